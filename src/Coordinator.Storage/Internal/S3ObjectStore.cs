using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Coordinator.Storage.Internal;

/// <summary><see cref="IObjectStore"/> on any S3 API with conditional writes (AWS, MinIO, R2, B2, ...).</summary>
internal sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly IAmazonS3 client;
    private readonly string bucket;
    private readonly string prefix;
    private readonly bool useChunkEncoding;
    private readonly bool ownsClient;

    public S3ObjectStore(IAmazonS3 client, string bucket, string prefix, bool useChunkEncoding, bool ownsClient)
    {
        this.client = client;
        this.bucket = bucket;
        this.prefix = prefix;
        this.useChunkEncoding = useChunkEncoding;
        this.ownsClient = ownsClient;
    }

    public string Location => $"S3 bucket '{bucket}'" + (prefix.Length > 0 ? $" under prefix '{prefix}'" : "");

    public string ConfigurationHint => "Check ServiceUrl, BucketName (the bucket must exist), Region, ForcePathStyle and the credentials.";

    /// <summary>Builds the AWSSDK client from validated options.</summary>
    public static S3ObjectStore Create(EncryptedS3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            AuthenticationRegion = options.Region,
            Timeout = options.RequestTimeout,
            MaxErrorRetry = options.MaxErrorRetry,
            RequestChecksumCalculation = options.RequestChecksumCalculation == S3ChecksumMode.WhenRequired
                ? RequestChecksumCalculation.WHEN_REQUIRED
                : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = options.ResponseChecksumValidation == S3ChecksumMode.WhenRequired
                ? ResponseChecksumValidation.WHEN_REQUIRED
                : ResponseChecksumValidation.WHEN_SUPPORTED,
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
            config.ForcePathStyle = options.ForcePathStyle ?? false;
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.ForcePathStyle = options.ForcePathStyle ?? true;
        }

        var client = string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        return new S3ObjectStore(client, options.BucketName!, options.Prefix ?? "", options.UseChunkEncoding, ownsClient: true);
    }

    public async Task<StoredObject?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = prefix + name }, cancellationToken);
            var length = response.ContentLength;
            using var buffer = length is > 0 and < int.MaxValue ? new MemoryStream((int)length) : new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);

            // The buffer was sized from Content-Length: when it is exactly full, hand it over instead of copying.
            var data = buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
            return new StoredObject(data, response.ETag);
        }
        catch (AmazonS3Exception e) when (IsMissingObject(e))
        {
            return null;
        }
    }

    public async Task<string> PutAsync(string name, byte[] data, string? ifMatch, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = prefix + name,
            InputStream = new MemoryStream(data, writable: false),
            AutoCloseStream = true,
            UseChunkEncoding = useChunkEncoding,
            ContentType = "application/octet-stream",
        };
        if (ifMatch is null)
        {
            request.IfNoneMatch = "*";
        }
        else
        {
            request.IfMatch = ifMatch;
        }

        try
        {
            var response = await client.PutObjectAsync(request, cancellationToken);
            return response.ETag;
        }
        catch (AmazonS3Exception e) when (IsConditionFailure(e, ifMatch is not null))
        {
            throw new PreconditionFailedException($"{(ifMatch is null ? "If-None-Match: *" : "If-Match")} failed ({(int)e.StatusCode})", e);
        }
    }

    public async Task DeleteAsync(string name, string ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = prefix + name, IfMatch = ifMatch }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (IsConditionFailure(e, ifMatchOnMissingCounts: true))
        {
            throw new PreconditionFailedException($"If-Match delete failed ({(int)e.StatusCode})", e);
        }
    }

    public async IAsyncEnumerable<string> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = bucket, Prefix = prefix.Length > 0 ? prefix : null, ContinuationToken = token },
                cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                var name = o.Key[prefix.Length..];
                if (name.Length > 0 && !name.Contains('/', StringComparison.Ordinal))
                {
                    yield return name;
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    public void Dispose()
    {
        if (ownsClient)
        {
            client.Dispose();
        }
    }

    // 412 Precondition Failed; 409 ConditionalRequestConflict (AWS: a concurrent conditional write won);
    // 404 on If-Match means the version we expected is gone.
    private static bool IsConditionFailure(AmazonS3Exception e, bool ifMatchOnMissingCounts) =>
        e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict
        || (ifMatchOnMissingCounts && IsMissingObject(e));

    // A 404 for the object, not for the bucket: a missing or misnamed bucket must never look like "no state yet".
    private static bool IsMissingObject(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound && !string.Equals(e.ErrorCode, "NoSuchBucket", StringComparison.Ordinal);
}
