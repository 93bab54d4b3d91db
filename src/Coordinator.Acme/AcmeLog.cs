using Microsoft.Extensions.Logging;

namespace Coordinator.Acme;

/// <summary>The client's log messages. URLs and statuses only: never payloads, keys, tokens' key authorizations or EAB keys.</summary>
internal static partial class AcmeLog
{
    [LoggerMessage(1, LogLevel.Debug, "ACME {Method} {Url} → {Status}")]
    public static partial void Response(ILogger logger, string method, Uri url, int status);

    [LoggerMessage(2, LogLevel.Information, "ACME {Url} rejected the nonce (badNonce); retrying with a fresh one (attempt {Attempt})")]
    public static partial void BadNonce(ILogger logger, Uri url, int attempt);

    [LoggerMessage(3, LogLevel.Warning, "ACME {Url} answered {Status}; retrying in {Delay} (attempt {Attempt})")]
    public static partial void Retrying(ILogger logger, Uri url, int status, TimeSpan delay, int attempt);

    [LoggerMessage(4, LogLevel.Warning, "ACME {Url} failed at the transport ({Error}); retrying in {Delay} (attempt {Attempt})")]
    public static partial void TransportRetry(ILogger logger, Uri url, string error, TimeSpan delay, int attempt);

    [LoggerMessage(5, LogLevel.Information, "ACME account {AccountUrl} ready ({Status})")]
    public static partial void Account(ILogger logger, Uri accountUrl, string status);

    [LoggerMessage(6, LogLevel.Information, "ACME order {OrderUrl} created for {Count} identifiers ({Status})")]
    public static partial void OrderCreated(ILogger logger, Uri orderUrl, int count, string status);

    [LoggerMessage(7, LogLevel.Debug, "ACME {Url} is {Status}; polling again in {Delay}")]
    public static partial void Polling(ILogger logger, Uri url, string status, TimeSpan delay);

    [LoggerMessage(8, LogLevel.Information, "ACME account key rolled over for {AccountUrl}")]
    public static partial void KeyRolledOver(ILogger logger, Uri accountUrl);
}
