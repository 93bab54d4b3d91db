namespace Coordinator.Acme;

/// <summary>Orders and authorizations (RFC 8555 §7.4, §7.5), with <c>profile</c> and <c>replaces</c> (RFC 9773).</summary>
public sealed partial class AcmeClient
{
    /// <summary>
    /// Opens an order. Identifiers are checked first: an invalid one throws <see cref="ArgumentException"/> naming it,
    /// before any request. Persist <see cref="AcmeOrder.Url"/> to resume the order after a restart.
    /// </summary>
    /// <param name="identifiers">DNS (wildcards allowed) and IP identifiers.</param>
    /// <param name="profile">A profile from <see cref="AcmeDirectoryMeta.Profiles"/>, or null for the CA's default.</param>
    /// <param name="replaces">The ARI id (<see cref="AcmeCertificateIdentifier.For(System.Security.Cryptography.X509Certificates.X509Certificate2)"/>) of the certificate this order renews, or null.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<AcmeOrder> NewOrderAsync(IEnumerable<AcmeIdentifier> identifiers, string? profile = null, string? replaces = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(identifiers);
        ThrowIfDisposed();
        var list = identifiers.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("an order needs at least one identifier.", nameof(identifiers));
        }

        foreach (var identifier in list)
        {
            IdentifierValidation.Validate(identifier, nameof(identifiers));
        }

        if (replaces is not null)
        {
            AcmeCertificateIdentifier.Validate(replaces, nameof(replaces));
        }

        var dir = await transport.GetDirectoryAsync(ct).ConfigureAwait(false);
        if (profile is not null && !dir.Meta.Profiles.ContainsKey(profile))
        {
            throw new ArgumentException(dir.Meta.Profiles.Count == 0
                ? $"profile '{profile}' was requested but the CA advertises no profiles."
                : $"profile '{profile}' is not one the CA offers ({string.Join(", ", dir.Meta.Profiles.Keys)}).", nameof(profile));
        }

        var payload = JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("identifiers");
            foreach (var identifier in list)
            {
                w.WriteStartObject();
                w.WriteString("type", identifier.Type);
                w.WriteString("value", identifier.Value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (profile is not null)
            {
                w.WriteString("profile", profile);
            }

            if (replaces is not null)
            {
                w.WriteString("replaces", replaces);
            }

            w.WriteEndObject();
        });
        var response = await PostAsKidAsync(dir.NewOrder, payload, ct).ConfigureAwait(false);
        if (response.Status != 201)
        {
            throw new AcmeException($"newOrder {dir.NewOrder} answered HTTP {response.Status}, expected 201.");
        }

        var url = response.Location ?? throw new AcmeException($"newOrder {dir.NewOrder} answered without a Location header (the order URL).");
        using var json = response.Json();
        var order = AcmeWire.Order(json.RootElement, url);
        AcmeLog.OrderCreated(logger, url, list.Count, order.Status);
        return order;
    }

    /// <summary>The order's current state (POST-as-GET).</summary>
    public async Task<AcmeOrder> GetOrderAsync(Uri orderUrl, CancellationToken ct = default) =>
        (await FetchOrderAsync(orderUrl, ct).ConfigureAwait(false)).Order;

    /// <summary>The authorization's current state (POST-as-GET).</summary>
    public async Task<AcmeAuthorization> GetAuthorizationAsync(Uri authorizationUrl, CancellationToken ct = default) =>
        (await FetchAuthorizationAsync(authorizationUrl, ct).ConfigureAwait(false)).Authorization;

    /// <summary>Tells the CA the challenge is ready to be validated (POST <c>{}</c>). Serve/publish the response first.</summary>
    public async Task<AcmeChallenge> AnswerChallengeAsync(Uri challengeUrl, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(challengeUrl);
        var response = await PostAsKidAsync(challengeUrl, "{}"u8.ToArray(), ct).ConfigureAwait(false);
        using var json = response.Json();
        return AcmeWire.Challenge(json.RootElement, challengeUrl);
    }

    /// <summary>
    /// Polls the authorization until it is no longer pending, honouring <c>Retry-After</c>. Returns it when valid;
    /// when it ends otherwise throws <see cref="AcmeProblemException"/> carrying the failed challenge's problem
    /// (e.g. <c>connection</c>, <c>incorrectResponse</c>). Gives up after <see cref="AcmeClientOptions.PollTimeout"/>.
    /// </summary>
    public async Task<AcmeAuthorization> WaitForAuthorizationAsync(Uri authorizationUrl, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(authorizationUrl);
        var authz = await PollAsync(authorizationUrl, FetchAuthorizationAsync, a => a.Status, "pending", ct).ConfigureAwait(false);
        if (authz.Status == "valid")
        {
            return authz;
        }

        var failed = authz.Challenges.FirstOrDefault(c => c.Error is not null);
        var problem = failed?.Error ?? new AcmeProblem(AcmeProblemTypes.Unauthorized,
            $"authorization for {authz.Identifier.Value} ended '{authz.Status}' without a challenge error", null, authz.Identifier, []);
        if (problem.Identifier is null)
        {
            problem = problem with { Identifier = authz.Identifier };
        }

        throw new AcmeProblemException(problem, 0, null, failed?.Url ?? authorizationUrl);
    }

    /// <summary>
    /// Sends the CSR (DER, e.g. from <see cref="CertificateSigningRequest.Create"/>) to the order's finalize URL. The
    /// order must be <c>ready</c>; the returned order is usually <c>processing</c> or <c>valid</c>: then call
    /// <see cref="WaitForOrderAsync"/>.
    /// </summary>
    public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csrDer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(csrDer);
        if (csrDer.Length == 0)
        {
            throw new ArgumentException("csrDer is empty.", nameof(csrDer));
        }

        var payload = JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("csr", Base64UrlText.Encode(csrDer));
            w.WriteEndObject();
        });
        var response = await PostAsKidAsync(order.Finalize, payload, ct).ConfigureAwait(false);
        using var json = response.Json();
        return AcmeWire.Order(json.RootElement, order.Url);
    }

    /// <summary>
    /// Polls the order while it is <c>pending</c> or <c>processing</c>, honouring <c>Retry-After</c>. Returns it when
    /// <c>ready</c> (finalize next) or <c>valid</c> (download next); throws <see cref="AcmeProblemException"/> with the
    /// order's error when it is <c>invalid</c>. Gives up after <see cref="AcmeClientOptions.PollTimeout"/>.
    /// </summary>
    public async Task<AcmeOrder> WaitForOrderAsync(Uri orderUrl, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(orderUrl);
        var order = await PollAsync(orderUrl, FetchOrderAsync, o => o.Status, "pending", ct, "processing").ConfigureAwait(false);
        if (order.Status == "invalid")
        {
            throw new AcmeProblemException(order.Error ?? new AcmeProblem(AcmeProblemTypes.Unauthorized, "the order became invalid without an error", null, null, []), 0, null, orderUrl);
        }

        return order;
    }

    private async Task<(AcmeOrder Order, TimeSpan? RetryAfter)> FetchOrderAsync(Uri orderUrl, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orderUrl);
        var response = await PostAsKidAsync(orderUrl, null, ct).ConfigureAwait(false);
        using var json = response.Json();
        return (AcmeWire.Order(json.RootElement, orderUrl), response.RetryAfter);
    }

    private async Task<(AcmeAuthorization Authorization, TimeSpan? RetryAfter)> FetchAuthorizationAsync(Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        var response = await PostAsKidAsync(url, null, ct).ConfigureAwait(false);
        using var json = response.Json();
        return (AcmeWire.Authorization(json.RootElement, url), response.RetryAfter);
    }

    private async Task<T> PollAsync<T>(Uri url, Func<Uri, CancellationToken, Task<(T, TimeSpan?)>> fetch, Func<T, string> status, string waiting, CancellationToken ct, string? alsoWaiting = null)
    {
        var options = transport.Options;
        var time = transport.Time;
        var deadline = time.GetUtcNow() + options.PollTimeout;
        var interval = options.PollInitialInterval;
        while (true)
        {
            var (value, retryAfter) = await fetch(url, ct).ConfigureAwait(false);
            var s = status(value);
            if (s != waiting && s != alsoWaiting)
            {
                return value;
            }

            var delay = retryAfter is { } ra ? (ra > options.MaxRetryAfter ? options.MaxRetryAfter : ra) : interval;
            if (time.GetUtcNow() + delay > deadline)
            {
                throw new AcmeException($"{url} is still '{s}' after {options.PollTimeout} (PollTimeout).");
            }

            AcmeLog.Polling(logger, url, s, delay);
            await Task.Delay(delay, time, ct).ConfigureAwait(false);
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, options.PollMaxInterval.Ticks));
        }
    }
}
