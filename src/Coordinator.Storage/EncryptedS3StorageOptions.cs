namespace Coordinator.Storage;

/// <summary>When the S3 client computes and validates checksums (AWSSDK.S3's <c>RequestChecksumCalculation</c> / <c>ResponseChecksumValidation</c>).</summary>
public enum S3ChecksumMode
{
    /// <summary>On every operation that supports checksums (AWS's default; CRC32 trailers on uploads).</summary>
    WhenSupported,

    /// <summary>Only where the operation requires one. Use for stores that reject or mangle flexible checksums.</summary>
    WhenRequired,
}

/// <summary>
/// Settings of the encrypted grain storage provider on an S3-compatible store (AWS S3, MinIO, Cloudflare R2,
/// Backblaze B2, DigitalOcean Spaces, ...). Bind them from configuration with
/// <c>AddEncryptedS3GrainStorage(name, o =&gt; o.BindConfiguration("Coordinator:Storage"))</c>.
/// </summary>
public sealed class EncryptedS3StorageOptions : EncryptedStorageOptions
{
    /// <summary>
    /// The endpoint of an S3-compatible store, for example <c>http://127.0.0.1:9000</c> or
    /// <c>https://&lt;account&gt;.r2.cloudflarestorage.com</c>. Default: none, which means AWS S3 in <see cref="Region"/>.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The bucket. It must exist; the provider does not create it. Default: none (required).</summary>
    public string? BucketName { get; set; }

    /// <summary>
    /// The region used to sign requests (and, without <see cref="ServiceUrl"/>, to find the AWS endpoint).
    /// Default: <c>us-east-1</c>. R2 wants <c>auto</c>.
    /// </summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>
    /// Path-style addressing (<c>https://host/bucket/key</c>) instead of virtual-host style (<c>https://bucket.host/key</c>).
    /// Default: <c>true</c> when <see cref="ServiceUrl"/> is set (MinIO and most self-hosted stores need it), else <c>false</c>.
    /// </summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Access key id. Default: none — then the AWS default credential chain is used (environment, profile, instance role).</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret access key; set together with <see cref="AccessKey"/>. Never logged. Default: none.</summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// Send uploads with <c>aws-chunked</c> content encoding (streaming signatures / checksum trailers).
    /// Default: <c>true</c> (AWS). Set <c>false</c> for stores that store chunked bodies verbatim or reject them
    /// (some B2 and older S3 clones, s3rver).
    /// </summary>
    public bool UseChunkEncoding { get; set; } = true;

    /// <summary>When request checksums are computed. Default: <see cref="S3ChecksumMode.WhenSupported"/>.</summary>
    public S3ChecksumMode RequestChecksumCalculation { get; set; } = S3ChecksumMode.WhenSupported;

    /// <summary>When response checksums are validated. Default: <see cref="S3ChecksumMode.WhenSupported"/>.</summary>
    public S3ChecksumMode ResponseChecksumValidation { get; set; } = S3ChecksumMode.WhenSupported;

    /// <summary>
    /// A prefix for every object name, so several clusters or providers can share a bucket, for example
    /// <c>coordinator/prod/</c>. Default: empty.
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>Timeout of one S3 request. Default: 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the S3 client retries a failed request (5xx, throttling). Default: 3.</summary>
    public int MaxErrorRetry { get; set; } = 3;

    /// <summary>
    /// DANGEROUS opt-out. At start-up the provider probes whether the store honours conditional writes
    /// (<c>If-None-Match: *</c>, <c>If-Match</c>); without them two activations of one grain can overwrite each other's
    /// state, and the silo refuses to start. Set <c>true</c> only for a store you know is used by one silo at a time;
    /// a warning is then logged on every start. Default: <c>false</c>.
    /// </summary>
    public bool AllowStoreWithoutConditionalWrites { get; set; }
}
