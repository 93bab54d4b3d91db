using System.Text.RegularExpressions;
using Orleans;
using Orleans.Runtime;

namespace Coordinator.Storage.Internal;

/// <summary>
/// Checks the options at silo start-up (Orleans runs every <see cref="IConfigurationValidator"/> before the silo
/// starts). Messages name the setting relative to the options section (for example <c>KeyRing:Keys:k1</c>,
/// <c>BucketName</c>) and never contain a key or secret value.
/// </summary>
internal static partial class OptionsValidation
{
    public static List<string> Validate(EncryptedS3StorageOptions options)
    {
        var errors = KeyRing.Validate(options.KeyRing, "KeyRing");
        if (string.IsNullOrWhiteSpace(options.BucketName))
        {
            errors.Add("BucketName is not set: name an existing bucket.");
        }
        else if (!BucketNamePattern().IsMatch(options.BucketName))
        {
            errors.Add($"BucketName '{options.BucketName}' is not a valid S3 bucket name (3-63 characters: lower-case letters, digits, '.', '-').");
        }

        if (!string.IsNullOrWhiteSpace(options.ServiceUrl)
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || string.IsNullOrEmpty(url.Host)))
        {
            errors.Add($"ServiceUrl '{options.ServiceUrl}' is not an absolute http:// or https:// URL (for example http://127.0.0.1:9000); leave it empty for AWS S3.");
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            errors.Add("Region is empty: set the signing region (us-east-1 for most S3 clones, auto for R2).");
        }

        if (string.IsNullOrEmpty(options.AccessKey) != string.IsNullOrEmpty(options.SecretKey))
        {
            errors.Add("AccessKey and SecretKey must be set together (or both left empty to use the AWS default credential chain).");
        }

        if (options.Prefix is null || options.Prefix.StartsWith('/'))
        {
            errors.Add($"Prefix '{options.Prefix}' must not start with '/' (use for example 'coordinator/prod/').");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"RequestTimeout is {options.RequestTimeout}: it must be positive.");
        }

        if (options.MaxErrorRetry < 0)
        {
            errors.Add($"MaxErrorRetry is {options.MaxErrorRetry}: it must be 0 or more.");
        }

        return errors;
    }

    public static List<string> Validate(EncryptedDirectoryStorageOptions options)
    {
        var errors = KeyRing.Validate(options.KeyRing, "KeyRing");
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            errors.Add("Directory is not set: name the directory that holds the sealed grain state.");
        }

        return errors;
    }

    public static void ThrowIfInvalid(string providerName, List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new OrleansConfigurationException(
                $"Encrypted grain storage '{providerName}' is misconfigured: {string.Join(" ", errors)}");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketNamePattern();
}

/// <summary>Runs <see cref="OptionsValidation"/> for one named provider when the silo starts.</summary>
internal sealed class EncryptedStorageOptionsValidator(string providerName, Func<List<string>> validate) : IConfigurationValidator
{
    public void ValidateConfiguration() => OptionsValidation.ThrowIfInvalid(providerName, validate());
}
