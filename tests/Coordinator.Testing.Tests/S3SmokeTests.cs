using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Coordinator.Testing;

namespace Coordinator.Testing.Tests;

public sealed class S3SmokeTests
{
    public static TheoryData<S3ServerKind> Kinds => [S3ServerKind.Conditional, S3ServerKind.IgnoresConditions];

    private static Task<S3Server> Server(S3ServerKind kind) =>
        kind == S3ServerKind.Conditional ? SharedInfrastructure.S3Async() : SharedInfrastructure.S3IgnoringConditionsAsync();

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ObjectsRoundTripThroughAwsSdk(S3ServerKind kind)
    {
        var s3 = await Server(kind);
        await InfraAssert.WithOutputAsync(async () =>
        {
            using var client = s3.CreateClient();
            var bucket = await s3.CreateBucketAsync("smoke");
            var body = new byte[70_000];
            Random.Shared.NextBytes(body);
            var put = new PutObjectRequest { BucketName = bucket, Key = "a/b", InputStream = new MemoryStream(body) };
            s3.Prepare(put);
            await client.PutObjectAsync(put);

            using (var get = await client.GetObjectAsync(bucket, "a/b"))
            {
                using var ms = new MemoryStream();
                await get.ResponseStream.CopyToAsync(ms);
                Assert.Equal(body, ms.ToArray());
            }

            await client.DeleteObjectAsync(bucket, "a/b");
            var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(bucket, "a/b"));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }, s3.Process);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ListingPagesWithContinuationTokens(S3ServerKind kind)
    {
        var s3 = await Server(kind);
        await InfraAssert.WithOutputAsync(async () =>
        {
            using var client = s3.CreateClient();
            var bucket = await s3.CreateBucketAsync("list");
            var keys = Enumerable.Range(0, 25).Select(i => $"k{i:D3}").ToList();
            foreach (var key in keys)
            {
                var put = new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key };
                s3.Prepare(put);
                await client.PutObjectAsync(put);
            }

            var seen = new List<string>();
            var pages = 0;
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = 10, ContinuationToken = token });
                seen.AddRange(page.S3Objects?.Select(o => o.Key) ?? []);
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
                pages++;
            }
            while (token is not null);

            Assert.Equal(3, pages);
            Assert.Equal(keys, seen);
        }, s3.Process);
    }

    [Fact]
    public async Task ConditionalServerRejectsCreateOverAnExistingKeyAndStaleEtags()
    {
        var s3 = await SharedInfrastructure.S3Async();
        await InfraAssert.WithOutputAsync(async () =>
        {
            using var client = s3.CreateClient();
            var bucket = await s3.CreateBucketAsync("cond");
            var first = await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "one", IfNoneMatch = "*" });

            var duplicate = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
                client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "two", IfNoneMatch = "*" }));
            Assert.Equal(HttpStatusCode.PreconditionFailed, duplicate.StatusCode);

            var second = await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "three", IfMatch = first.ETag });
            Assert.NotEqual(first.ETag, second.ETag);

            var stale = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
                client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "four", IfMatch = first.ETag }));
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);

            var staleDelete = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
                client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", IfMatch = first.ETag }));
            Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);

            var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
                client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "nope", ContentBody = "x", IfMatch = first.ETag }));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

            using var get = await client.GetObjectAsync(bucket, "k");
            Assert.Equal("three", await new StreamReader(get.ResponseStream).ReadToEndAsync());

            await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", IfMatch = second.ETag });
            await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(bucket, "k"));
        }, s3.Process);
    }

    [Fact]
    public async Task UnpatchedServerIgnoresConditionsAndOverwrites()
    {
        var s3 = await SharedInfrastructure.S3IgnoringConditionsAsync();
        await InfraAssert.WithOutputAsync(async () =>
        {
            using var client = s3.CreateClient();
            var bucket = await s3.CreateBucketAsync("nocond");
            var one = new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "one" };
            s3.Prepare(one);
            await client.PutObjectAsync(one);
            var two = new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "two", IfNoneMatch = "*" };
            s3.Prepare(two);
            await client.PutObjectAsync(two);
            using var get = await client.GetObjectAsync(bucket, "k");
            Assert.Equal("two", await new StreamReader(get.ResponseStream).ReadToEndAsync());
        }, s3.Process);
    }
}
