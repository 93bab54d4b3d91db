namespace Coordinator.Acme;

/// <summary>An RFC 7807 problem document as ACME uses it (RFC 8555 §6.7).</summary>
/// <param name="Type">The type URN, e.g. <c>urn:ietf:params:acme:error:rateLimited</c> (see <see cref="AcmeProblemTypes"/>).</param>
/// <param name="Detail">Human-readable detail from the CA.</param>
/// <param name="Status">The HTTP status the CA put in the document, if any.</param>
/// <param name="Identifier">The identifier this (sub)problem is about, if any.</param>
/// <param name="Subproblems">Per-identifier subproblems (RFC 8555 §6.7.1).</param>
public sealed record AcmeProblem(string Type, string? Detail, int? Status, AcmeIdentifier? Identifier, IReadOnlyList<AcmeProblem> Subproblems)
{
    /// <summary>"type: detail (identifier)" plus subproblems, for messages and logs.</summary>
    public override string ToString()
    {
        var text = Identifier is null ? $"{Type}: {Detail}" : $"{Type}: {Detail} ({Identifier.Type} {Identifier.Value})";
        return Subproblems.Count == 0 ? text : text + " [" + string.Join("; ", Subproblems) + "]";
    }
}
