using System.Text.Json;
using Amazon.S3.Model;
using Xunit.Abstractions;

namespace Coordinator.Cli.Tests;

/// <summary>The tool against a real three-node cluster. One class: the tests share the cluster and run one after another.</summary>
public sealed class CliClusterTests(CliCluster cluster, ITestOutputHelper output) : IClassFixture<CliCluster>
{
    [Fact]
    public async Task DomainsAddListRemoveRoundTrip()
    {
        var add = await cluster.RunAsync("domains", "add", "One.List.CLI.test", "two.list.cli.test.", "--json");
        Assert.True(add.ExitCode == 0, add.ToString());
        var added = add.Json();
        Assert.Equal(2, added.GetProperty("added").GetInt32());
        Assert.Equal(["one.list.cli.test", "two.list.cli.test"], added.GetProperty("domains").EnumerateArray().Select(e => e.GetString()!).Order().ToArray());

        var again = await cluster.RunAsync("domains", "add", "one.list.cli.test", "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(0, again.Json().GetProperty("added").GetInt32());
        Assert.Equal(1, again.Json().GetProperty("alreadyManaged").GetInt32());

        var list = await cluster.RunAsync("domains", "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var names = list.Json().GetProperty("domains").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("one.list.cli.test", names);
        Assert.Contains("two.list.cli.test", names);
        Assert.Equal(names.Count, list.Json().GetProperty("count").GetInt32());

        var human = await cluster.RunAsync("domains", "list");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("two.list.cli.test", human.StdOut, StringComparison.Ordinal);

        var remove = await cluster.RunAsync("domains", "remove", "TWO.list.cli.test");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        var after = await cluster.RunAsync("domains", "list", "--json");
        var left = after.Json().GetProperty("domains").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("one.list.cli.test", left);
        Assert.DoesNotContain("two.list.cli.test", left);

        var removeAgain = await cluster.RunAsync("domains", "remove", "two.list.cli.test");
        Assert.True(removeAgain.ExitCode == 1, removeAgain.ToString());
        Assert.Contains("not a managed domain", removeAgain.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusShowsTheValidCertificateTheNodesServe()
    {
        const string domain = "status.cli.test";
        var status = await cluster.AddAndWaitValidAsync(domain);
        var serial = status.GetProperty("serialNumber").GetString();
        Assert.False(string.IsNullOrEmpty(serial));
        Assert.Equal("pebble", status.GetProperty("issuer").GetString());
        Assert.True(status.GetProperty("managed").GetBoolean());
        Assert.True(status.GetProperty("notAfter").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.False(string.IsNullOrEmpty(status.GetProperty("leaseHolder").GetString()));

        // The serial the tool reports is the one every node serves.
        foreach (var node in cluster.Nodes)
        {
            var served = await node.HandshakeAsync(domain, "http/1.1");
            Assert.Equal(serial, served.Leaf.SerialNumber);
        }

        var table = await cluster.RunAsync("status", domain);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("Valid", table.StdOut, StringComparison.Ordinal);
        Assert.Contains(serial!, table.StdOut, StringComparison.Ordinal);

        var all = await cluster.RunAsync("status", "--json");
        Assert.True(all.ExitCode == 0, all.ToString());
        var local = await Cli.RunAsync("keys", "generate");
        output.WriteLine($"wall time of one CLI process: status <name> {table.Elapsed.TotalSeconds:0.00} s, status (all {all.Json().GetArrayLength()}) {all.Elapsed.TotalSeconds:0.00} s, keys generate (no cluster) {local.Elapsed.TotalSeconds:0.00} s");
        var row = all.Json().EnumerateArray().Single(e => e.GetProperty("domain").GetString() == domain);
        Assert.Equal(serial, row.GetProperty("serialNumber").GetString());

        var unmanaged = await cluster.RunAsync("status", "never-added.cli.test");
        Assert.True(unmanaged.ExitCode == 1, unmanaged.ToString());
        Assert.Contains("coordinator domains add never-added.cli.test", unmanaged.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewReplacesTheSerial()
    {
        const string domain = "renew.cli.test";
        var before = (await cluster.AddAndWaitValidAsync(domain)).GetProperty("serialNumber").GetString();

        var renew = await cluster.RunAsync("renew", domain, "--json");
        Assert.True(renew.ExitCode == 0, renew.ToString());
        var result = renew.Json();
        Assert.True(result.GetProperty("renewed").GetBoolean());
        Assert.Equal(before, result.GetProperty("previousSerialNumber").GetString());
        var after = result.GetProperty("status").GetProperty("serialNumber").GetString();
        Assert.NotEqual(before, after);

        var status = await cluster.RunAsync("status", domain, "--json");
        Assert.Equal(after, status.Json().GetProperty("serialNumber").GetString());

        var notManaged = await cluster.RunAsync("renew", "not-managed.cli.test");
        Assert.True(notManaged.ExitCode == 1, notManaged.ToString());
        Assert.Contains("domains add", notManaged.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeMakesTheCaReportTheCertificateRevoked()
    {
        const string domain = "revoke.cli.test";
        var serial = (await cluster.AddAndWaitValidAsync(domain)).GetProperty("serialNumber").GetString()!;
        using (var before = await cluster.Pebble.GetCertificateStatusAsync(CliCluster.Hex(serial)))
        {
            Assert.Equal("Valid", before.RootElement.GetProperty("Status").GetString());
        }

        var revoke = await cluster.RunAsync("revoke", domain, "--reason", "4", "--json");
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Equal(serial, revoke.Json().GetProperty("revokedSerialNumber").GetString());

        using var after = await cluster.Pebble.GetCertificateStatusAsync(CliCluster.Hex(serial));
        Assert.Equal("Revoked", after.RootElement.GetProperty("Status").GetString());
        Assert.Equal(4, after.RootElement.GetProperty("Reason").GetInt32());

        var never = await cluster.RunAsync("revoke", "no-certificate.cli.test");
        Assert.True(never.ExitCode == 1, never.ToString());
        Assert.Contains("no current certificate", never.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorageCheckReportsEveryObjectReadableWithoutRevealingKeys()
    {
        await cluster.AddAndWaitValidAsync("check.cli.test");
        var check = await cluster.RunAsync("storage", "check", "--json");
        Assert.True(check.ExitCode == 0, check.ToString());
        var r = check.Json();
        Assert.True(r.GetProperty("conditionalWritesHonoured").GetBoolean());
        Assert.True(r.GetProperty("healthy").GetBoolean());
        var objects = r.GetProperty("objects").GetInt32();
        Assert.True(objects >= 3, check.ToString()); // naming key, the domain's state, its registry shard, ...
        Assert.Equal(objects, r.GetProperty("readable").GetInt32());
        Assert.Equal(0, r.GetProperty("unreadable").GetInt32());
        Assert.Equal(objects, r.GetProperty("objectsByKeyId").EnumerateObject().Sum(p => p.Value.GetInt32()));
        Assert.Contains(cluster.Bucket, r.GetProperty("location").GetString(), StringComparison.Ordinal);
        foreach (var secret in new[] { cluster.Key1, cluster.Key2, cluster.S3.SecretKey })
        {
            Assert.DoesNotContain(secret, check.StdOut + check.StdErr, StringComparison.Ordinal);
        }

        var human = await cluster.RunAsync("storage", "check");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("honoured", human.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreadableObjectFailsTheCheckAndTheRotationWithExitCode1()
    {
        // A state object that no key opens (what a removed key or a corrupted upload leaves behind).
        var name = "state-" + new string('e', 64);
        using var s3 = cluster.S3.CreateClient();
        var put = new PutObjectRequest { BucketName = cluster.Bucket, Key = name, ContentBody = "\u0001\u0002k9not-an-envelope-at-all-but-long-enough-to-look-like-one........" };
        cluster.S3.Prepare(put);
        await s3.PutObjectAsync(put);
        try
        {
            var check = await cluster.RunAsync("storage", "check", "--json");
            Assert.True(check.ExitCode == 1, check.ToString());
            Assert.Equal(1, check.Json().GetProperty("unreadable").GetInt32());
            Assert.Contains(check.Json().GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith(name, StringComparison.Ordinal));
            Assert.Contains("could not be opened", check.StdErr, StringComparison.Ordinal);

            var rotate = await cluster.RunAsync("keys", "rotate", "--json");
            Assert.True(rotate.ExitCode == 1, rotate.ToString());
            Assert.False(rotate.Json().GetProperty("complete").GetBoolean());
            Assert.Equal(1, rotate.Json().GetProperty("failed").GetInt32());
            Assert.Contains("keep every old key", rotate.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            await s3.DeleteObjectAsync(cluster.Bucket, name);
        }
    }

    [Fact]
    public async Task KeysRotateResealsEverythingUnderTheNewPrimaryKey()
    {
        const string domain = "rotate.cli.test";
        var serial = (await cluster.AddAndWaitValidAsync(domain)).GetProperty("serialNumber").GetString();

        // The operator makes k2 the primary on every node (both keys stay in the ring), then rotates.
        await cluster.RestartWithPrimaryKeyAsync(cluster.PrimaryKeyId == "k1" ? "k2" : "k1");
        var primary = cluster.PrimaryKeyId;
        var old = primary == "k2" ? "k1" : "k2";
        var before = await cluster.RunAsync("storage", "check", "--json");
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.True(before.Json().GetProperty("objectsByKeyId").TryGetProperty(old, out var sealedWithOld) && sealedWithOld.GetInt32() > 0, before.ToString());

        var rotate = await cluster.RunAsync("keys", "rotate", "--json");
        Assert.True(rotate.ExitCode == 0, rotate.ToString());
        var r = rotate.Json();
        Assert.True(r.GetProperty("complete").GetBoolean());
        Assert.Equal(primary, r.GetProperty("primaryKeyId").GetString());
        Assert.True(r.GetProperty("resealed").GetInt32() > 0, rotate.ToString());
        Assert.Equal(0, r.GetProperty("failed").GetInt32());

        var after = await cluster.RunAsync("storage", "check", "--json");
        Assert.True(after.ExitCode == 0, after.ToString());
        var byKey = after.Json().GetProperty("objectsByKeyId").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal([primary], byKey.Keys.ToArray());
        Assert.Equal(after.Json().GetProperty("objects").GetInt32(), byKey[primary]);

        // The state survived: the certificate issued under the old key is still there.
        var status = await cluster.RunAsync("status", domain, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(serial, status.Json().GetProperty("serialNumber").GetString());

        var human = await cluster.RunAsync("keys", "rotate");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Complete", human.StdOut, StringComparison.Ordinal);
    }
}
