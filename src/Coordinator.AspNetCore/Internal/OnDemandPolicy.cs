using Microsoft.Extensions.Options;

namespace Coordinator.AspNetCore.Internal;

/// <summary>Decides whether a name seen in a handshake may be ordered, and rate-limits those orders per node.</summary>
internal sealed class OnDemandPolicy(IOptions<CoordinatorHostingOptions> options, TimeProvider time, IEnumerable<Func<string, ValueTask<bool>>> deciders)
{
    private readonly Queue<DateTimeOffset> recent = new();

    public async ValueTask<bool> AllowsAsync(string normalizedName)
    {
        var allowed = options.Value.OnDemand.AllowedNames.Any(p => Matches(p, normalizedName));
        foreach (var decide in deciders)
        {
            allowed |= await decide(normalizedName);
        }

        if (!allowed)
        {
            return false;
        }

        lock (recent)
        {
            var now = time.GetUtcNow();
            while (recent.Count > 0 && now - recent.Peek() > TimeSpan.FromMinutes(1))
            {
                recent.Dequeue();
            }

            if (recent.Count >= options.Value.OnDemand.MaxPerMinute)
            {
                return false;
            }

            recent.Enqueue(now);
            return true;
        }
    }

    private static bool Matches(string pattern, string name)
    {
        var p = pattern.Trim().ToLowerInvariant();
        return p.StartsWith("*.", StringComparison.Ordinal)
            ? name.EndsWith(p[1..], StringComparison.Ordinal) && name.Length > p.Length - 1
            : name == p;
    }
}
