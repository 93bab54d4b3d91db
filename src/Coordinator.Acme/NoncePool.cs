namespace Coordinator.Acme;

/// <summary>
/// A bounded pool of unused <c>Replay-Nonce</c> values (RFC 8555 §7.2). Every response feeds it; each request
/// takes one. When full, the oldest nonce is dropped (the CA may have expired it anyway). Safe for concurrent use.
/// </summary>
internal sealed class NoncePool(int capacity)
{
    private readonly LinkedList<string> nonces = new();
    private readonly Lock gate = new();

    public int Count
    {
        get
        {
            lock (gate)
            {
                return nonces.Count;
            }
        }
    }

    public void Add(string? nonce)
    {
        if (string.IsNullOrEmpty(nonce))
        {
            return;
        }

        lock (gate)
        {
            nonces.AddLast(nonce);
            while (nonces.Count > capacity)
            {
                nonces.RemoveFirst();
            }
        }
    }

    /// <summary>The newest nonce, or null when the pool is empty.</summary>
    public string? TryTake()
    {
        lock (gate)
        {
            if (nonces.Last is not { } last)
            {
                return null;
            }

            nonces.RemoveLast();
            return last.Value;
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            nonces.Clear();
        }
    }
}
