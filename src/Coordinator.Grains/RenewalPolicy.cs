namespace Coordinator.Grains;

/// <summary>When a certificate is due and how long a failure waits. Pure functions of their inputs.</summary>
internal static class RenewalPolicy
{
    /// <summary>
    /// The renewal time: a random point in the ARI window when the CA suggests one, else the configured
    /// fraction of the lifetime minus a random jitter; never later than the emergency threshold.
    /// </summary>
    public static DateTimeOffset DueAt(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset? ariStart, DateTimeOffset? ariEnd, RenewalOptions options, double random01)
    {
        var lifetime = notAfter - notBefore;
        var emergency = notAfter - (lifetime * options.EmergencyFractionOfLifetime);
        DateTimeOffset due;
        if (ariStart is { } s && ariEnd is { } e && e >= s)
        {
            due = s + ((e - s) * random01);
        }
        else
        {
            due = notBefore + (lifetime * options.RenewAtFractionOfLifetime) - (lifetime * options.JitterFractionOfLifetime * random01);
        }

        return due < emergency ? due : emergency;
    }

    /// <summary>Whether less than the emergency fraction of the lifetime is left.</summary>
    public static bool IsEmergency(DateTimeOffset now, DateTimeOffset notBefore, DateTimeOffset notAfter, RenewalOptions options) =>
        notAfter - now < (notAfter - notBefore) * options.EmergencyFractionOfLifetime;

    /// <summary>
    /// The delay after <paramref name="failures"/> consecutive failures: initial × 2^(failures−1), capped, with ±10%
    /// jitter; a CA's Retry-After wins when longer.
    /// </summary>
    public static TimeSpan Backoff(int failures, TimeSpan? retryAfter, RenewalOptions options, double random01)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ticks = Math.Min(options.InitialBackoff.Ticks * Math.Pow(2, exponent), options.MaxBackoff.Ticks);
        var delay = TimeSpan.FromTicks((long)(ticks * (0.9 + (0.2 * random01))));
        if (delay > options.MaxBackoff)
        {
            delay = options.MaxBackoff;
        }

        return retryAfter is { } ra && ra > delay ? ra : delay;
    }
}
