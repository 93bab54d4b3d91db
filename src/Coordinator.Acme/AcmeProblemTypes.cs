namespace Coordinator.Acme;

/// <summary>The ACME error type URNs (RFC 8555 §6.7, RFC 9773).</summary>
public static class AcmeProblemTypes
{
    /// <summary>The common prefix of all ACME error types.</summary>
    public const string Prefix = "urn:ietf:params:acme:error:";

    /// <summary>The account does not exist (a reply to <c>onlyReturnExisting</c>).</summary>
    public const string AccountDoesNotExist = Prefix + "accountDoesNotExist";

    /// <summary>The request specified a certificate already revoked.</summary>
    public const string AlreadyRevoked = Prefix + "alreadyRevoked";

    /// <summary>The CSR is unacceptable.</summary>
    public const string BadCsr = Prefix + "badCSR";

    /// <summary>The nonce was unacceptable; the client retries with a fresh one.</summary>
    public const string BadNonce = Prefix + "badNonce";

    /// <summary>The JWS was signed by a key the server does not support.</summary>
    public const string BadPublicKey = Prefix + "badPublicKey";

    /// <summary>The revocation reason is not allowed.</summary>
    public const string BadRevocationReason = Prefix + "badRevocationReason";

    /// <summary>The JWS was signed with an algorithm the server does not support.</summary>
    public const string BadSignatureAlgorithm = Prefix + "badSignatureAlgorithm";

    /// <summary>CAA records forbid the CA from issuing.</summary>
    public const string Caa = Prefix + "caa";

    /// <summary>Several errors; see the subproblems.</summary>
    public const string Compound = Prefix + "compound";

    /// <summary>The server could not connect to the validation target.</summary>
    public const string Connection = Prefix + "connection";

    /// <summary>A DNS lookup failed during validation.</summary>
    public const string Dns = Prefix + "dns";

    /// <summary>The request must include a value for the <c>externalAccountBinding</c> field.</summary>
    public const string ExternalAccountRequired = Prefix + "externalAccountRequired";

    /// <summary>The response received did not match the challenge's requirements.</summary>
    public const string IncorrectResponse = Prefix + "incorrectResponse";

    /// <summary>A contact URL for an account was invalid.</summary>
    public const string InvalidContact = Prefix + "invalidContact";

    /// <summary>The request message was malformed.</summary>
    public const string Malformed = Prefix + "malformed";

    /// <summary>The request attempted to finalize an order that is not ready.</summary>
    public const string OrderNotReady = Prefix + "orderNotReady";

    /// <summary>The request exceeds a rate limit.</summary>
    public const string RateLimited = Prefix + "rateLimited";

    /// <summary>The server will not issue for the identifier.</summary>
    public const string RejectedIdentifier = Prefix + "rejectedIdentifier";

    /// <summary>The server experienced an internal error.</summary>
    public const string ServerInternal = Prefix + "serverInternal";

    /// <summary>The server received a TLS error during validation.</summary>
    public const string Tls = Prefix + "tls";

    /// <summary>The client lacks sufficient authorization (also: a wrong EAB MAC).</summary>
    public const string Unauthorized = Prefix + "unauthorized";

    /// <summary>A contact URL for an account used an unsupported protocol scheme.</summary>
    public const string UnsupportedContact = Prefix + "unsupportedContact";

    /// <summary>An identifier is of an unsupported type.</summary>
    public const string UnsupportedIdentifier = Prefix + "unsupportedIdentifier";

    /// <summary>Visit the <c>instance</c> URL and take the actions specified there.</summary>
    public const string UserActionRequired = Prefix + "userActionRequired";

    /// <summary>The <c>replaces</c> field of a new order is unacceptable (RFC 9773).</summary>
    public const string AlreadyReplaced = Prefix + "alreadyReplaced";
}
