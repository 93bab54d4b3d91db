namespace Coordinator.Cli;

/// <summary>The process exit codes of <c>coordinator</c>; documented in the README and in <c>--help</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The cluster answered, but the operation failed (an ACME error, an incomplete rotation, an unreadable object, ...).</summary>
    public const int Failed = 1;

    /// <summary>Bad command line or input (an unknown command, an invalid domain name or gateway); nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>No gateway of the cluster could be reached (or the cluster stopped answering).</summary>
    public const int Unreachable = 3;

    public const string Help = "Exit codes: 0 ok, 1 operation failed, 2 usage or bad input, 3 cluster unreachable.";
}

/// <summary>A problem with the command line or its input, found before anything is sent: exit code 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
