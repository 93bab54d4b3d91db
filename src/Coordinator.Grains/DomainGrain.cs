using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Coordinator.Acme;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Grains;

/// <summary>
/// One host name's certificate lifecycle. Single activation is the lease; the persisted order URL and
/// certificate key let a new activation (after a crash or a move) resume the order instead of opening another.
/// Challenges live only in memory: a resumed order rebuilds them from the account key.
/// </summary>
internal sealed partial class DomainGrain : Grain, IDomainGrain
{
    private readonly IPersistentState<DomainGrainState> state;
    private readonly CoordinatorOptions options;
    private readonly AcmeClientProvider clients;
    private readonly IDns01Solver? dns;
    private readonly TimeProvider time;
    private readonly ILogger<DomainGrain> logger;
    private readonly ILocalSiloDetails silo;
    private readonly Dictionary<string, string> http01 = new(StringComparer.Ordinal);
    private TlsAlpnChallenge? tlsAlpn;
    private Task? run;

    // Completed once the running order's challenges are in the cache (or the run ended). A CA request that
    // arrives at a fresh activation before a resumed order has rebuilt its challenges waits for this instead
    // of getting a 404 that would fail the order (the CA validates from several vantage points at once).
    private TaskCompletionSource challengesReady = CompletedSource();
    private string domain = string.Empty;
    private string? invalidReason;

    public DomainGrain(
        [PersistentState("domain", CoordinatorStorage.Name)] IPersistentState<DomainGrainState> state,
        IOptions<CoordinatorOptions> options,
        AcmeClientProvider clients,
        IServiceProvider services,
        TimeProvider time,
        ILocalSiloDetails silo,
        ILogger<DomainGrain> logger)
    {
        this.state = state;
        this.options = options.Value;
        this.clients = clients;
        dns = services.GetService<IDns01Solver>();
        this.time = time;
        this.silo = silo;
        this.logger = logger;
    }

    private DomainGrainState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        if (!DomainName.TryNormalize(key, out var normalized, out var error))
        {
            invalidReason = error;
        }
        else if (normalized != key)
        {
            invalidReason = $"Domain grain key '{key}' is not normalized: use '{normalized}' (DomainName.Normalize).";
        }

        domain = key;
        GrainsTelemetry.SetExpiry(domain, S.Certificate?.NotAfter);
        if (invalidReason is null && S.Order is not null)
        {
            // A previous activation died mid-order: finish that order now, without waiting for a caller.
            StartRun(force: false);
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GrainsTelemetry.SetExpiry(domain, null);
        return Task.CompletedTask;
    }

    public Task<CertificateSnapshot?> GetCertificateAsync() =>
        Task.FromResult(S.Revoked ? null : S.Certificate);

    public async Task<DomainStatus> EnsureAsync(bool waitForCertificate)
    {
        ThrowIfInvalid();
        await RegisterAsync();
        if (NeedsOrder(time.GetUtcNow()))
        {
            StartRun(force: false);
        }

        if (waitForCertificate && run is { } r)
        {
            await r;
        }

        return Status();
    }

    public async Task<DomainStatus> RenewAsync()
    {
        ThrowIfInvalid();
        await RegisterAsync();
        StartRun(force: true);
        await run!;
        return Status();
    }

    public async Task<DateTimeOffset> RenewIfDueAsync()
    {
        ThrowIfInvalid();
        var now = time.GetUtcNow();
        if (NeedsOrder(now))
        {
            StartRun(force: false);
            await run!;
        }

        return S.DueAt ?? now;
    }

    public async Task<DomainStatus> RevokeAsync(int reason)
    {
        ThrowIfInvalid();
        if (run is { } r)
        {
            await r;
        }

        var cert = S.Certificate ?? throw new InvalidOperationException($"{domain} has no certificate to revoke.");
        var issuer = options.Issuers.FirstOrDefault(i => i.Name == cert.Issuer)
            ?? throw new InvalidOperationException($"{domain}'s certificate came from issuer '{cert.Issuer}', which is no longer configured.");
        var account = await GrainFactory.GetGrain<IAcmeAccountGrain>(issuer.Name).GetOrCreateAsync();
        using var leaf = X509Certificate2.CreateFromPem(cert.ChainPem);
        await clients.GetClient(issuer, account).RevokeCertificateAsync(leaf, reason);
        S.Revoked = true;
        S.DueAt = time.GetUtcNow();
        await WriteAsync();
        GrainsTelemetry.SetExpiry(domain, null);
        await GrainFactory.GetGrain<ICertificateNotifierGrain>(0).PublishRemovedAsync(domain);
        LogRevoked(logger, domain, cert.SerialNumber, reason);
        return Status();
    }

    public Task<DomainStatus> GetStatusAsync() => Task.FromResult(Status());

    public async Task<string?> GetHttp01ResponseAsync(string token)
    {
        var valid = token is { Length: > 0 and <= 256 } && token.All(IsBase64Url);
        if (valid && !http01.ContainsKey(token))
        {
            await WaitForChallengesAsync();
        }

        var found = valid && http01.TryGetValue(token, out _);
        GrainsTelemetry.ChallengeLookups.Add(1, new("coordinator.challenge.type", "http-01"), new("coordinator.challenge.found", found));
        return found ? http01[token] : null;
    }

    public async Task<TlsAlpnChallenge?> GetTlsAlpn01CertificateAsync()
    {
        if (tlsAlpn is null)
        {
            await WaitForChallengesAsync();
        }

        GrainsTelemetry.ChallengeLookups.Add(1, new("coordinator.challenge.type", "tls-alpn-01"), new("coordinator.challenge.found", tlsAlpn is not null));
        return tlsAlpn;
    }

    private static TaskCompletionSource CompletedSource()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    private async Task WaitForChallengesAsync()
    {
        if (run is { IsCompleted: false } && !challengesReady.Task.IsCompleted)
        {
            await challengesReady.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    private static bool IsBase64Url(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private void ThrowIfInvalid()
    {
        if (invalidReason is not null)
        {
            throw new ArgumentException(invalidReason);
        }

        if (DomainName.IsWildcard(domain) && dns is null)
        {
            throw new InvalidOperationException(
                $"'{domain}' is a wildcard name: it needs the dns-01 challenge, and no IDns01Solver is registered in the silo's services.");
        }
    }

    private bool NeedsOrder(DateTimeOffset now)
    {
        if (S.Order is not null)
        {
            return true;
        }

        if (S.Certificate is { } c && !S.Revoked && RenewalPolicy.IsEmergency(now, c.NotBefore, c.NotAfter, options.Renewal))
        {
            return true; // emergency: ignores ARI and backoff
        }

        if (S.NextAttempt is { } next && now < next)
        {
            return false;
        }

        return S.Certificate is null || S.Revoked || S.DueAt is null || now >= S.DueAt;
    }

    private void StartRun(bool force)
    {
        if (run is null || run.IsCompleted)
        {
            challengesReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ready = challengesReady;
            run = RunAsync(force).ContinueWith(
                t =>
                {
                    ready.TrySetResult();
                    return t;
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Current).Unwrap();
        }
    }

    private async Task RegisterAsync()
    {
        var shard = GrainFactory.GetGrain<IDomainRegistryShardGrain>(DomainRegistry.ShardOf(domain));
        await shard.AddAsync([domain]);
    }

    private async Task RunAsync(bool force)
    {
        await Task.Yield();
        using var activity = GrainsTelemetry.Source.StartActivity("coordinator.order", ActivityKind.Internal);
        activity?.SetTag("coordinator.domain", domain);
        activity?.SetTag("coordinator.renewal.forced", force);
        var started = Stopwatch.GetTimestamp();
        var issuers = Issuers();
        if (issuers.Count == 0)
        {
            await RecordFailureAsync(new InvalidOperationException($"No configured issuer serves '{domain}' (check Coordinator:Issuers:*:ForDomains)."), activity);
            return;
        }

        Exception? last = null;
        for (var attempt = 0; attempt < issuers.Count; attempt++)
        {
            var issuer = issuers[S.Order is { } o ? IndexOf(o.Issuer) : S.IssuerIndex % issuers.Count];
            AcmeAccountInfo account;
            try
            {
                account = await GrainFactory.GetGrain<IAcmeAccountGrain>(issuer.Name).GetOrCreateAsync();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException && e is not InconsistentStateException)
            {
                // The cluster, not the issuer, failed (the account grain's silo just died, storage unreachable):
                // record a failure with backoff, but keep the issuer.
                last = e;
                break;
            }
            catch (Exception e) when (e is not InconsistentStateException)
            {
                // The issuer refused us an account (EAB required, unreachable directory...): try the next one now.
                last = e;
                LogIssuerUnusable(logger, issuer.Name, domain, Describe(e));
                S.IssuerIndex = (IndexOf(issuer.Name) + 1) % issuers.Count;
                S.FailuresWithIssuer = 0;
                continue;
            }

            try
            {
                await OrderAsync(issuer, account, activity);
                GrainsTelemetry.OrderDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("coordinator.result", "issued"));
                return;
            }
            catch (InconsistentStateException e)
            {
                // Another activation holds the lease now (our ETag is stale): stop here and let it work.
                LogLostLease(logger, domain, e.Message);
                DeactivateOnIdle();
                throw;
            }
            catch (Exception e)
            {
                last = e;
                break;
            }
        }

        await RecordFailureAsync(last!, activity);
        GrainsTelemetry.OrderDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("coordinator.result", "failed"));
    }

    private List<IssuerOptions> Issuers() => options.Issuers.Where(i => i.Serves(domain)).ToList();

    private int IndexOf(string issuerName)
    {
        var issuers = Issuers();
        for (var i = 0; i < issuers.Count; i++)
        {
            if (issuers[i].Name == issuerName)
            {
                return i;
            }
        }

        return 0;
    }

    private async Task OrderAsync(IssuerOptions issuer, AcmeAccountInfo account, Activity? activity)
    {
        var client = clients.GetClient(issuer, account);
        activity?.SetTag("coordinator.issuer", issuer.Name);
        AcmeOrder? order = null;
        if (S.Order is { } inFlight && inFlight.Issuer == issuer.Name)
        {
            try
            {
                order = await client.GetOrderAsync(new Uri(inFlight.OrderUrl));
                if (order.Status is "invalid" || (order.Expires is { } exp && exp <= time.GetUtcNow()))
                {
                    LogOrderDropped(logger, domain, inFlight.OrderUrl, order.Status);
                    order = null;
                }
                else
                {
                    LogOrderResumed(logger, domain, inFlight.OrderUrl, order.Status);
                }
            }
            catch (AcmeProblemException e) when (e.StatusCode is 404 or 403)
            {
                order = null;
            }
        }

        if (order is null)
        {
            var replaces = S.Certificate is { } current && !S.Revoked && (await client.GetDirectoryAsync()).RenewalInfo is not null
                ? AcmeCertificateIdentifier.For(X509Certificate2.CreateFromPem(current.ChainPem))
                : null;
            S.LeaseEpoch++;
            var keyPem = CertificateKeys.NewKeyPem(issuer.KeyType);
            order = await client.NewOrderAsync([AcmeIdentifier.Dns(domain)], issuer.Profile, replaces);
            GrainsTelemetry.Orders.Add(1, new KeyValuePair<string, object?>("coordinator.issuer", issuer.Name));
            S.Order = new InFlightOrder { OrderUrl = order.Url.ToString(), Issuer = issuer.Name, CertificateKeyPem = keyPem, Created = time.GetUtcNow() };
            await WriteAsync(); // the lease: a stale activation's write fails here, before any challenge is answered
            LogOrderOpened(logger, domain, order.Url.ToString(), issuer.Name, S.LeaseEpoch);
        }

        activity?.SetTag("coordinator.order.url", order.Url.ToString());
        var cleanups = new List<Func<Task>>();
        try
        {
            if (order.Status == "pending")
            {
                await SolveAsync(client, issuer, order, cleanups);
                order = await client.GetOrderAsync(order.Url);
            }

            // WaitForOrderAsync returns at "ready" as well as "valid": finalize whenever the order is ready.
            for (var step = 0; step < 4 && order.Status is "pending" or "ready" or "processing"; step++)
            {
                order = order.Status == "ready"
                    ? await client.FinalizeAsync(order, CertificateKeys.CreateCsr(domain, S.Order!.CertificateKeyPem))
                    : await client.WaitForOrderAsync(order.Url);
            }

            if (order.Status != "valid" || order.Certificate is null)
            {
                throw new AcmeException($"Order {order.Url} ended {order.Status}{(order.Error is { } err ? ": " + err : string.Empty)}.");
            }

            var chain = await client.DownloadCertificateAsync(order.Certificate);
            await StoreCertificateAsync(client, issuer, chain);
        }
        finally
        {
            http01.Clear();
            tlsAlpn = null;
            foreach (var cleanup in cleanups)
            {
                try
                {
                    await cleanup();
                }
                catch (Exception e)
                {
                    LogCleanupFailed(logger, domain, e.Message);
                }
            }
        }
    }

    private async Task SolveAsync(AcmeClient client, IssuerOptions issuer, AcmeOrder order, List<Func<Task>> cleanups)
    {
        using var activity = GrainsTelemetry.Source.StartActivity("coordinator.challenges");
        var pending = new List<Uri>();
        foreach (var url in order.Authorizations)
        {
            var authz = await client.GetAuthorizationAsync(url);
            if (authz.Status == "valid")
            {
                continue;
            }

            var challenge = Choose(issuer, authz)
                ?? throw new InvalidOperationException(
                    $"The CA offers {string.Join(", ", authz.Challenges.Select(c => c.Type))} for {authz.Identifier.Value}; none of them is usable here " +
                    $"(configured: {string.Join(", ", issuer.EffectiveChallenges)}{(dns is null ? "; no IDns01Solver registered" : string.Empty)}).");
            activity?.SetTag("coordinator.challenge.type", challenge.Type);
            var keyAuthorization = client.GetKeyAuthorization(challenge.Token);
            switch (challenge.Type)
            {
                case AcmeChallenge.Http01:
                    http01[challenge.Token] = keyAuthorization;
                    break;
                case AcmeChallenge.TlsAlpn01:
                    using (var cert = TlsAlpn01.CreateValidationCertificate(authz.Identifier.Value, keyAuthorization))
                    {
                        tlsAlpn = new TlsAlpnChallenge(cert.ExportCertificatePem(), ExportKey(cert));
                    }

                    break;
                case AcmeChallenge.Dns01:
                    var record = "_acme-challenge." + authz.Identifier.Value;
                    var value = client.GetDns01TxtValue(challenge.Token);
                    await dns!.PresentAsync(record, value, CancellationToken.None);
                    cleanups.Add(() => dns.CleanupAsync(record, value, CancellationToken.None));
                    break;
            }

            if (challenge.Status == "pending")
            {
                await client.AnswerChallengeAsync(challenge.Url);
            }

            pending.Add(url);
        }

        challengesReady.TrySetResult();
        foreach (var url in pending)
        {
            await client.WaitForAuthorizationAsync(url);
        }
    }

    private AcmeChallenge? Choose(IssuerOptions issuer, AcmeAuthorization authz)
    {
        if (authz.Wildcard)
        {
            return dns is null ? null : authz.Challenge(AcmeChallenge.Dns01);
        }

        foreach (var type in issuer.EffectiveChallenges)
        {
            if (type == AcmeChallenge.Dns01 && dns is null)
            {
                continue;
            }

            if (authz.Challenge(type) is { } c)
            {
                return c;
            }
        }

        return null;
    }

    private static string ExportKey(X509Certificate2 cert) =>
        (System.Security.Cryptography.AsymmetricAlgorithm?)cert.GetECDsaPrivateKey() is { } ec
            ? ec.ExportPkcs8PrivateKeyPem()
            : cert.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem();

    private async Task StoreCertificateAsync(AcmeClient client, IssuerOptions issuer, AcmeCertificateChain chain)
    {
        var certs = chain.GetCertificates();
        var leaf = certs[0];
        var now = time.GetUtcNow();
        var snapshot = new CertificateSnapshot(domain, chain.Pem, S.Order!.CertificateKeyPem,
            new DateTimeOffset(leaf.NotBefore.ToUniversalTime()), new DateTimeOffset(leaf.NotAfter.ToUniversalTime()),
            leaf.SerialNumber, issuer.Name, (S.Certificate?.Version ?? 0) + 1);

        S.AriWindowStart = S.AriWindowEnd = null;
        try
        {
            if ((await client.GetDirectoryAsync()).RenewalInfo is not null)
            {
                var ari = await client.GetRenewalInfoAsync(leaf, certs.Count > 1 ? certs[1] : null);
                S.AriWindowStart = ari?.WindowStart;
                S.AriWindowEnd = ari?.WindowEnd;
            }
        }
        catch (AcmeException e)
        {
            LogAriFailed(logger, domain, e.Message);
        }

        S.Certificate = snapshot;
        S.Revoked = false;
        S.Order = null;
        S.FailureCount = 0;
        S.FailuresWithIssuer = 0;
        S.LastError = null;
        S.IssuerIndex = IndexOf(issuer.Name);
        S.DueAt = RenewalPolicy.DueAt(snapshot.NotBefore, snapshot.NotAfter, S.AriWindowStart, S.AriWindowEnd, options.Renewal, Random.Shared.NextDouble());
        S.NextAttempt = null;
        await WriteAsync();
        GrainsTelemetry.Renewals.Add(1, new KeyValuePair<string, object?>("coordinator.issuer", issuer.Name));
        GrainsTelemetry.SetExpiry(domain, snapshot.NotAfter);
        LogIssued(logger, domain, snapshot.SerialNumber, issuer.Name, snapshot.NotAfter, S.DueAt.Value);
        await GrainFactory.GetGrain<ICertificateNotifierGrain>(0).PublishAsync(snapshot);
        await ReportDueAsync(now);
    }

    private async Task RecordFailureAsync(Exception e, Activity? activity)
    {
        var now = time.GetUtcNow();
        var problem = e as AcmeProblemException;
        S.FailureCount++;
        S.FailuresWithIssuer++;
        S.LastError = Describe(e);
        var eligible = Math.Max(1, Issuers().Count);
        if (S.FailuresWithIssuer >= options.Renewal.FailuresBeforeNextIssuer && eligible > 1)
        {
            S.IssuerIndex = (S.IssuerIndex + 1) % eligible;
            S.FailuresWithIssuer = 0;
        }

        // An order the CA declared invalid cannot be resumed; a transport failure keeps it for the next attempt.
        if (S.Order is not null && (problem is not null || e is AcmeException { Message: var m } && m.Contains("ended invalid", StringComparison.Ordinal)))
        {
            S.Order = null;
        }

        var delay = RenewalPolicy.Backoff(S.FailureCount, problem?.RetryAfter, options.Renewal, Random.Shared.NextDouble());
        S.NextAttempt = now + delay;
        S.DueAt = S.NextAttempt;
        activity?.SetStatus(ActivityStatusCode.Error, S.LastError);
        GrainsTelemetry.Failures.Add(1, new KeyValuePair<string, object?>("coordinator.error.type", problem?.Problem.Type ?? e.GetType().Name));
        LogFailed(logger, domain, S.FailureCount, delay, S.LastError);
        try
        {
            await WriteAsync();
        }
        catch (InconsistentStateException)
        {
            DeactivateOnIdle();
            throw;
        }

        await ReportDueAsync(now);
    }

    private async Task ReportDueAsync(DateTimeOffset now)
    {
        try
        {
            await GrainFactory.GetGrain<IDomainRegistryShardGrain>(DomainRegistry.ShardOf(domain)).SetDueAsync(domain, S.DueAt ?? now);
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            LogRegistryUpdateFailed(logger, domain, e.Message);
        }
    }

    private Task WriteAsync() => state.WriteStateAsync();

    private static string Describe(Exception e) => e switch
    {
        AcmeProblemException p => $"{p.Problem.Type}: {p.Problem.Detail}",
        _ => e.Message,
    };

    private DomainStatus Status()
    {
        var c = S.Revoked ? null : S.Certificate;
        var state = S.Order is not null || run is { IsCompleted: false } ? DomainState.Ordering
            : S.Revoked && c is null ? DomainState.Revoked
            : S.FailureCount > 0 ? DomainState.BackingOff
            : c is not null ? DomainState.Valid
            : DomainState.None;
        return new DomainStatus
        {
            Domain = domain,
            State = state,
            SerialNumber = c?.SerialNumber,
            NotBefore = c?.NotBefore,
            NotAfter = c?.NotAfter,
            Issuer = S.Order?.Issuer ?? c?.Issuer,
            NextAttempt = S.NextAttempt ?? S.DueAt,
            LastError = S.LastError,
            FailureCount = S.FailureCount,
            OrderUrl = S.Order?.OrderUrl,
            LeaseHolder = silo.SiloAddress.ToString(),
            LeaseEpoch = S.LeaseEpoch,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened ACME order {OrderUrl} for {Domain} at {Issuer} (lease epoch {Epoch})")]
    private static partial void LogOrderOpened(ILogger logger, string domain, string orderUrl, string issuer, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming ACME order {OrderUrl} for {Domain} ({Status})")]
    private static partial void LogOrderResumed(ILogger logger, string domain, string orderUrl, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropping ACME order {OrderUrl} for {Domain}: it is {Status}")]
    private static partial void LogOrderDropped(ILogger logger, string domain, string orderUrl, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Certificate for {Domain} issued: serial {Serial} by {Issuer}, valid until {NotAfter}, renewal due {DueAt}")]
    private static partial void LogIssued(ILogger logger, string domain, string serial, string issuer, DateTimeOffset notAfter, DateTimeOffset dueAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Certificate order for {Domain} failed ({Failures} in a row); retrying in {Delay}: {Error}")]
    private static partial void LogFailed(ILogger logger, string domain, int failures, TimeSpan delay, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issuer {Issuer} is unusable for {Domain}, trying the next: {Error}")]
    private static partial void LogIssuerUnusable(ILogger logger, string issuer, string domain, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease of {Domain} (stale ETag): {Message}")]
    private static partial void LogLostLease(ILogger logger, string domain, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked certificate {Serial} of {Domain} (reason {Reason})")]
    private static partial void LogRevoked(ILogger logger, string domain, string serial, int reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Challenge cleanup for {Domain} failed: {Message}")]
    private static partial void LogCleanupFailed(ILogger logger, string domain, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ARI lookup for {Domain} failed: {Message}")]
    private static partial void LogAriFailed(ILogger logger, string domain, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Registry update for {Domain} failed: {Message}")]
    private static partial void LogRegistryUpdateFailed(ILogger logger, string domain, string message);
}
