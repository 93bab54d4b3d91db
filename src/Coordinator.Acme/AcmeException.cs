namespace Coordinator.Acme;

/// <summary>
/// A protocol or transport failure talking to the CA: a response that is not JSON, truncated, larger than
/// <see cref="AcmeClientOptions.MaxResponseBytes"/>, an unexpected status, or a network error after retries.
/// Errors the CA reports as problem documents are <see cref="AcmeProblemException"/>.
/// </summary>
public class AcmeException : Exception
{
    /// <summary>Creates an exception without a message.</summary>
    public AcmeException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public AcmeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public AcmeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
