using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Coordinator.Grains;
using Coordinator.Storage;
using Coordinator.Testing;
using Microsoft.Extensions.Configuration;

namespace Coordinator.AspNetCore.Tests;

/// <summary>
/// docker-compose.yml cannot run on these machines (no Docker engine), so these tests check what can be checked
/// without one: the files it builds from and mounts exist, the services the topology needs are there and wired to
/// each other, and every <c>Coordinator__*</c> key it sets binds to a real setting (renaming an option breaks them).
/// </summary>
public sealed partial class ComposeTests
{
    private static readonly string Root = InfraPaths.RepositoryRoot;

    private static readonly Lazy<Dictionary<string, object?>> Compose = new(() =>
        (Dictionary<string, object?>)SimpleYaml.Parse(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")))!);

    private static Dictionary<string, object?> Services => Map(Compose.Value, "services");

    private static readonly string[] NodeServices = ["node-a", "node-b", "node-c"];

    [Fact]
    public void TheServicesOfTheTopologyArePresentWithTheirImages()
    {
        var expected = new Dictionary<string, string>
        {
            ["haproxy"] = "haproxy",
            ["redis"] = "redis",
            ["minio"] = "minio/minio",
            ["minio-init"] = "minio/mc",
            ["pebble"] = "ghcr.io/letsencrypt/pebble",
            ["challtestsrv"] = "ghcr.io/letsencrypt/pebble-challtestsrv",
            ["otel-collector"] = "otel/opentelemetry-collector",
        };
        foreach (var (service, image) in expected)
        {
            Assert.True(Services.ContainsKey(service), $"docker-compose.yml has no service '{service}'");
            var actual = Scalar(Map(Services, service), "image");
            Assert.Equal(image, actual.Split(':')[0]);
        }

        foreach (var node in NodeServices)
        {
            var build = Map(Map(Services, node), "build");
            Assert.Equal(".", Scalar(build, "context"));
            Assert.Equal("deploy/Dockerfile", Scalar(build, "dockerfile"));
        }
    }

    [Fact]
    public void TheBuildContextTheDockerfileAndTheProjectItPublishesExist()
    {
        var build = Map(Map(Services, "node-a"), "build");
        var context = Path.GetFullPath(Path.Combine(Root, Scalar(build, "context")));
        Assert.True(Directory.Exists(context), $"build context {context} does not exist");
        var dockerfile = Path.Combine(context, Scalar(build, "dockerfile"));
        Assert.True(File.Exists(dockerfile), $"{dockerfile} does not exist");

        var lines = File.ReadAllLines(dockerfile);
        Assert.Contains(lines, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", StringComparison.Ordinal));

        // Every COPY from the build context names something that exists.
        var copied = new List<string>();
        foreach (var line in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[1..^1])
            {
                var path = Path.Combine(context, source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"deploy/Dockerfile copies '{source}', which does not exist");
                copied.Add(source.TrimEnd('/'));
            }
        }

        // The published project exists, and the restore layer copies every project it references (or restore fails).
        var publish = PublishedProject().Match(string.Join('\n', lines));
        Assert.True(publish.Success, "deploy/Dockerfile has no 'dotnet publish <project>' line");
        var project = Path.Combine(context, publish.Groups[1].Value);
        Assert.True(File.Exists(project), $"deploy/Dockerfile publishes {publish.Groups[1].Value}, which does not exist");
        foreach (var reference in ProjectClosure(project))
        {
            var relative = Path.GetRelativePath(context, reference);
            Assert.Contains(relative, copied); // else 'dotnet restore' in the image misses a project
        }

        var entry = lines.Single(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
        Assert.Contains($"\"{Path.GetFileNameWithoutExtension(project)}.dll\"", entry, StringComparison.Ordinal);

        var ignored = File.ReadAllLines(Path.Combine(context, ".dockerignore")).Select(l => l.Trim()).ToHashSet();
        foreach (var pattern in new[] { "**/bin/", "**/obj/", ".infra/", "**/node_modules/" })
        {
            Assert.Contains(pattern, ignored);
        }
    }

    [Fact]
    public void EveryFileMountedFromTheRepositoryExists()
    {
        var mounts = 0;
        foreach (var (name, service) in Services)
        {
            foreach (var volume in List((Dictionary<string, object?>)service!, "volumes").Cast<string>())
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith("./", StringComparison.Ordinal))
                {
                    Assert.True(File.Exists(Path.Combine(Root, source)), $"service '{name}' mounts {source}, which does not exist");
                    mounts++;
                }
                else
                {
                    Assert.True(Map(Compose.Value, "volumes").ContainsKey(source), $"service '{name}' mounts volume '{source}', which is not declared");
                }
            }
        }

        Assert.True(mounts >= 3, "expected haproxy.cfg, pebble-config.json and otel-collector.yaml to be mounted");
    }

    [Fact]
    public void EveryCoordinatorKeyInTheComposeFileAndTheDockerfileBindsToARealSetting()
    {
        var keys = CoordinatorKeys();
        Assert.True(keys.Count > 20, $"found only {keys.Count} Coordinator__ keys");
        var unknown = keys.Where(k => !ConfigurationKeys.IsKnown(k.Key, k.Value)).Select(k => k.Key).ToList();
        Assert.True(unknown.Count == 0, "keys that no setting reads: " + string.Join(", ", unknown));

        // Together they also pass the start-up validation (values of the right type and shape).
        var configuration = ConfigurationKeys.Build(keys);
        var section = configuration.GetSection(CoordinatorOptions.SectionName);
        var hosting = new CoordinatorHostingOptions();
        section.Bind(hosting);
        hosting.Validate();
        Assert.Equal("External", hosting.Cluster.Mode);
        Assert.Equal("S3", hosting.Storage.Kind);

        var grains = new CoordinatorOptions();
        section.Bind(grains);
        var trusted = grains.Issuers.Select(i => i.TrustedCaCertificatePath).ToList();
        foreach (var issuer in grains.Issuers)
        {
            issuer.TrustedCaCertificatePath = null; // a path inside the container, checked below
        }

        grains.Validate();

        var s3 = new EncryptedS3StorageOptions();
        section.GetSection("Storage:S3").Bind(s3);
        Assert.False(string.IsNullOrEmpty(s3.BucketName));
        var ring = new KeyRingOptions();
        section.GetSection("Storage:KeyRing").Bind(ring);
        Assert.Contains(ring.PrimaryKeyId!, ring.Keys.Keys);

        // The trusted CA file is on a volume the node mounts (filled from the Pebble image).
        var nodeVolumes = List(Map(Services, "node-a"), "volumes").Cast<string>().Select(v => v.Split(':')[1]).ToList();
        Assert.All(trusted, t => Assert.Contains(nodeVolumes, v => t!.StartsWith(v + "/", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheKeyCheckRejectsSettingsThatDoNotExist()
    {
        // What the test above relies on: a renamed or misspelled option is reported, in each bound class and in the host.
        Assert.True(ConfigurationKeys.IsKnown("Coordinator:Storage:S3:BucketName", "b"));
        Assert.False(ConfigurationKeys.IsKnown("Coordinator:Storage:S3:Bucket", "b"));
        Assert.True(ConfigurationKeys.IsKnown("Coordinator:Storage:KeyRing:PrimaryKeyId", "k1"));
        Assert.False(ConfigurationKeys.IsKnown("Coordinator:Storage:KeyRing:Primary", "k1"));
        Assert.True(ConfigurationKeys.IsKnown("Coordinator:Issuers:0:DirectoryUrl", "https://x/dir"));
        Assert.False(ConfigurationKeys.IsKnown("Coordinator:Issuers:0:Directory", "https://x/dir"));
        Assert.True(ConfigurationKeys.IsKnown("Coordinator:Cluster:SiloPort", "11111"));
        Assert.False(ConfigurationKeys.IsKnown("Coordinator:Cluster:SiloPorts", "11111"));
        Assert.False(ConfigurationKeys.IsKnown("Coordinator:Cluster:SiloPort", "not-a-port"));
        Assert.True(ConfigurationKeys.IsKnown("Coordinator:Node:HttpPort", "8080"));
        Assert.False(ConfigurationKeys.IsKnown("Coordinator:Node:HttpPorts", "8080"));
        Assert.True(ConfigurationKeys.IsKnown("Coordinator:Cluster:Redis", "redis:6379"));
        Assert.False(ConfigurationKeys.IsKnown("Coordinator:Storage:Bucket", "b"));
    }

    [Fact]
    public void TheNodesUseRedisMembershipTheCollectorMinioAndPebbleOfThisFile()
    {
        foreach (var node in NodeServices)
        {
            var env = Environment(node);
            Assert.Equal("External", env["Coordinator__Cluster__Mode"]);
            Assert.Equal($"{Port("redis", 6379)}", env["Coordinator__Cluster__Redis"]);
            Assert.Equal(node, env["Coordinator__Node__Name"]);
            Assert.Equal($"http://{Port("otel-collector", 4317)}", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.True(ConfigurationKeys.IsReadByHost("OTEL_EXPORTER_OTLP_ENDPOINT"), "Program.cs no longer reads OTEL_EXPORTER_OTLP_ENDPOINT");
            Assert.Equal($"http://{Port("minio", 9000)}", env["Coordinator__Storage__S3__ServiceUrl"]);
            Assert.Equal($"https://{Port("pebble", 14000)}/dir", env["Coordinator__Issuers__0__DirectoryUrl"]);
            Assert.Contains(Map(Map(Services, node), "depends_on").Keys, d => d == "minio-init");

            // The key ring key is never in the repository: a placeholder that stops compose when it is not set.
            foreach (var (key, value) in env.Where(e => e.Key.StartsWith("Coordinator__Storage__KeyRing__Keys__", StringComparison.Ordinal)))
            {
                Assert.Equal("${COORDINATOR_STORAGE_KEY:?generate one with: coordinator keys generate}", value);
            }
        }

        // The bucket the nodes use is the one minio-init creates.
        var bucket = Environment("node-a")["Coordinator__Storage__S3__BucketName"];
        Assert.Contains($"mc mb --ignore-existing local/{bucket}", string.Join(' ', List(Map(Services, "minio-init"), "command").Cast<string>()), StringComparison.Ordinal);
    }

    [Fact]
    public void PebbleValidatesThroughTheLoadBalancerWhichPassesTcpToTheNodes()
    {
        var subnet = (string)((Dictionary<string, object?>)List(Map(Map(Map(Compose.Value, "networks"), "coordinator"), "ipam"), "config")[0]!)["subnet"]!;
        string FixedAddress(string service)
        {
            var address = Scalar(Map(Map(Map(Services, service), "networks"), "coordinator"), "ipv4_address");
            Assert.True(InSubnet(address, subnet), $"{service}'s address {address} is outside {subnet}");
            return address;
        }

        // challtestsrv answers every name with HAProxy's address; Pebble asks challtestsrv.
        var challtestsrv = List(Map(Services, "challtestsrv"), "command").Cast<string>().ToList();
        Assert.Equal(FixedAddress("haproxy"), challtestsrv[challtestsrv.IndexOf("-defaultIPv4") + 1]);
        var dnsPort = challtestsrv[challtestsrv.IndexOf("-dns01") + 1].Split(':')[1];
        var pebble = List(Map(Services, "pebble"), "command").Cast<string>().ToList();
        Assert.Equal($"{FixedAddress("challtestsrv")}:{dnsPort}", pebble[pebble.IndexOf("-dnsserver") + 1]);

        // Pebble's config is the mounted file; it validates HTTP-01 on 80 and TLS-ALPN-01 on 443 (HAProxy's ports).
        var configPath = pebble[pebble.IndexOf("-config") + 1];
        var mount = List(Map(Services, "pebble"), "volumes").Cast<string>().Single(v => v.Split(':')[1] == configPath);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, mount.Split(':')[0])));
        var p = config.RootElement.GetProperty("pebble");
        Assert.Equal(80, p.GetProperty("httpPort").GetInt32());
        Assert.Equal(443, p.GetProperty("tlsPort").GetInt32());

        // HAProxy: TCP only (no certificate, no key), SNI passthrough on 443 and round-robin on 80 to the three nodes'
        // ports as the nodes are configured.
        var cfgMount = List(Map(Services, "haproxy"), "volumes").Cast<string>().Single();
        var cfg = File.ReadAllLines(Path.Combine(Root, cfgMount.Split(':')[0])).Select(l => l.Trim()).ToList();
        Assert.Contains("mode tcp", cfg);
        Assert.DoesNotContain(cfg, l => l.StartsWith("mode http", StringComparison.Ordinal) || l.Contains(" crt ", StringComparison.Ordinal) || l.Contains(" ssl", StringComparison.Ordinal));
        Assert.Contains("bind :80", cfg);
        Assert.Contains("bind :443", cfg);
        var env = Environment("node-a");
        foreach (var node in NodeServices)
        {
            Assert.Contains(cfg, l => l.StartsWith($"server {node} {node}:{env["Coordinator__Node__HttpPort"]} ", StringComparison.Ordinal));
            Assert.Contains(cfg, l => l.StartsWith($"server {node} {node}:{env["Coordinator__Node__HttpsPort"]} ", StringComparison.Ordinal));
        }

        // The collector's config is mounted where its command reads it, and receives OTLP on the nodes' port.
        var collector = Map(Services, "otel-collector");
        var collectorConfig = List(collector, "command").Cast<string>().Single().Split('=')[1];
        var collectorMount = List(collector, "volumes").Cast<string>().Single(v => v.Split(':')[1] == collectorConfig);
        var otel = File.ReadAllText(Path.Combine(Root, collectorMount.Split(':')[0]));
        Assert.Contains("endpoint: 0.0.0.0:4317", otel, StringComparison.Ordinal);
        Assert.Contains("debug:", otel, StringComparison.Ordinal);
    }

    private static string Port(string service, int port)
    {
        Assert.True(Services.ContainsKey(service), $"no service '{service}'");
        return $"{service}:{port}";
    }

    private static bool InSubnet(string address, string cidr)
    {
        var parts = cidr.Split('/');
        var network = IPAddress.Parse(parts[0]).GetAddressBytes();
        var bits = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var ip = IPAddress.Parse(address).GetAddressBytes();
        for (var i = 0; i < bits; i++)
        {
            var mask = 0x80 >> (i % 8);
            if ((network[i / 8] & mask) != (ip[i / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The environment a node service gets (merge keys resolved), as written (not interpolated).</summary>
    private static Dictionary<string, string> Environment(string service) =>
        Map(Map(Services, service), "environment").ToDictionary(e => e.Key, e => (string)e.Value!);

    /// <summary>Every Coordinator__ key the nodes get, from the compose file and the Dockerfile's ENV, in ':' form.</summary>
    private static Dictionary<string, string> CoordinatorKeys()
    {
        var keys = new Dictionary<string, string>();
        foreach (var node in NodeServices)
        {
            foreach (var (k, v) in Environment(node).Where(e => e.Key.StartsWith("Coordinator__", StringComparison.Ordinal)))
            {
                keys[k.Replace("__", ":", StringComparison.Ordinal)] = Interpolate(v);
            }
        }

        foreach (Match m in DockerfileEnv().Matches(File.ReadAllText(Path.Combine(Root, "deploy", "Dockerfile"))))
        {
            keys.TryAdd(m.Groups[1].Value.Replace("__", ":", StringComparison.Ordinal), m.Groups[2].Value);
        }

        return keys;
    }

    /// <summary>Compose interpolation as the tests need it: defaults, and a stand-in for required variables.</summary>
    private static string Interpolate(string value) =>
        Variable().Replace(value, m => m.Groups[2].Value == ":-" ? m.Groups[3].Value
            : m.Groups[2].Value == ":?" ? Convert.ToBase64String(new byte[32]) : string.Empty).Replace("$$", "$", StringComparison.Ordinal);

    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var p))
        {
            if (!seen.Add(p))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(p).Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(p)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
            }
        }

        return seen;
    }

    private static Dictionary<string, object?> Map(Dictionary<string, object?> map, string key)
    {
        Assert.True(map.TryGetValue(key, out var value) && value is Dictionary<string, object?>, $"docker-compose.yml: '{key}' is missing or not a mapping");
        return (Dictionary<string, object?>)value!;
    }

    private static List<object?> List(Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var value) ? Assert.IsType<List<object?>>(value) : [];

    private static string Scalar(Dictionary<string, object?> map, string key)
    {
        Assert.True(map.TryGetValue(key, out var value) && value is string, $"docker-compose.yml: '{key}' is missing or not a scalar");
        return (string)value!;
    }

    [GeneratedRegex(@"dotnet publish (\S+\.csproj)")]
    private static partial Regex PublishedProject();

    [GeneratedRegex(@"(Coordinator__\w+)=(\S+)")]
    private static partial Regex DockerfileEnv();

    [GeneratedRegex(@"\$\{(\w+)(:-|:\?|)([^}]*)\}")]
    private static partial Regex Variable();
}

/// <summary>
/// Whether a configuration key (':' form) is read by the node: bound onto one of the options classes with
/// <see cref="BinderOptions.ErrorOnUnknownConfiguration"/>, or read by name in hosts/Coordinator.Node/Program.cs.
/// </summary>
internal static partial class ConfigurationKeys
{
    private static readonly (string Section, Func<object> Create)[] Bound =
    [
        ("Coordinator", () => new CoordinatorHostingOptions()),
        ("Coordinator", () => new CoordinatorOptions()),
        ("Coordinator:Storage:S3", () => new EncryptedS3StorageOptions()),
        ("Coordinator:Storage:KeyRing", () => new KeyRingOptions()),
    ];

    private static readonly Lazy<HashSet<string>> HostKeys = new(() =>
    {
        var program = File.ReadAllText(Path.Combine(InfraPaths.RepositoryRoot, "hosts", "Coordinator.Node", "Program.cs"));
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var nodeSection = NodeSection().Match(program);
        Assert.True(nodeSection.Success, "Program.cs no longer reads a 'Coordinator:Node' section into a variable");
        foreach (Match m in Regex.Matches(program, $@"\b{nodeSection.Groups[1].Value}(?:\[""|\.GetValue(?:<\w+>)?\("")(\w+)""", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            keys.Add("Coordinator:Node:" + m.Groups[1].Value);
        }

        foreach (Match m in ConfigurationIndexer().Matches(program))
        {
            keys.Add(m.Groups[1].Value);
        }

        return keys;
    });

    public static IConfiguration Build(IReadOnlyDictionary<string, string> keys) =>
        new ConfigurationBuilder().AddInMemoryCollection(keys.Select(k => new KeyValuePair<string, string?>(k.Key, k.Value))).Build();

    public static bool IsReadByHost(string key) => HostKeys.Value.Contains(key);

    public static bool IsKnown(string key, string value)
    {
        if (HostKeys.Value.Contains(key))
        {
            return true;
        }

        var configuration = Build(new Dictionary<string, string> { [key] = value });
        foreach (var (section, create) in Bound)
        {
            if (!key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            try
            {
                configuration.GetSection(section).Bind(create(), o => o.ErrorOnUnknownConfiguration = true);
                return true;
            }
            catch (InvalidOperationException)
            {
                // Not a property of this class (or a value it cannot take): try the next one.
            }
        }

        return false;
    }

    [GeneratedRegex(@"var (\w+) = builder\.Configuration\.GetSection\(""Coordinator:Node""\)")]
    private static partial Regex NodeSection();

    [GeneratedRegex(@"Configuration\[""(\w[\w:]*)""\]")]
    private static partial Regex ConfigurationIndexer();
}

/// <summary>
/// The small part of YAML that docker-compose.yml is kept to: block mappings and sequences by indentation, plain and
/// quoted scalars, flow sequences of scalars, <c>{}</c>, anchors on mapping values, aliases and <c>&lt;&lt;</c> merge keys.
/// Anything else is an error, so the file cannot drift into a shape these tests misread.
/// </summary>
internal static class SimpleYaml
{
    public static object? Parse(string text)
    {
        var lines = text.Split('\n')
            .Select(l => StripComment(l.TrimEnd('\r')).TrimEnd())
            .Where(l => l.Trim().Length > 0)
            .ToList();
        var anchors = new Dictionary<string, object?>();
        var i = 0;
        var result = ParseBlock(lines, ref i, 0, anchors);
        if (i != lines.Count)
        {
            throw new FormatException($"unexpected line: {lines[i]}");
        }

        return result;
    }

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    private static object? ParseBlock(List<string> lines, ref int i, int indent, Dictionary<string, object?> anchors)
    {
        if (lines[i].TrimStart().StartsWith("- ", StringComparison.Ordinal))
        {
            var list = new List<object?>();
            while (i < lines.Count && Indent(lines[i]) == indent && lines[i].TrimStart().StartsWith("- ", StringComparison.Ordinal))
            {
                var item = lines[i].Trim()[2..];
                var colon = KeySeparator(item);
                if (colon < 0)
                {
                    list.Add(ParseScalar(item, anchors));
                    i++;
                    continue;
                }

                // "- key: value" starts a mapping whose other keys are indented to the first key.
                lines[i] = new string(' ', indent + 2) + item;
                list.Add(ParseBlock(lines, ref i, indent + 2, anchors));
            }

            return list;
        }

        var map = new Dictionary<string, object?>();
        while (i < lines.Count && Indent(lines[i]) == indent)
        {
            var line = lines[i].Trim();
            var colon = KeySeparator(line);
            if (colon < 0 || line.StartsWith("- ", StringComparison.Ordinal))
            {
                throw new FormatException($"expected 'key: value' at indent {indent}: {line}");
            }

            var key = Unquote(line[..colon]);
            var rest = line[(colon + 1)..].Trim();
            string? anchor = null;
            if (rest.StartsWith('&'))
            {
                anchor = rest[1..];
                rest = string.Empty;
            }

            i++;
            object? value;
            if (rest.Length == 0)
            {
                value = i < lines.Count && Indent(lines[i]) > indent ? ParseBlock(lines, ref i, Indent(lines[i]), anchors) : null;
            }
            else
            {
                value = ParseScalar(rest, anchors);
            }

            if (anchor is not null)
            {
                anchors[anchor] = value;
            }

            if (key == "<<")
            {
                foreach (var (k, v) in (Dictionary<string, object?>)value!)
                {
                    map.TryAdd(k, v);
                }
            }
            else
            {
                map[key] = value; // a later key overrides a merged one
            }
        }

        return map;
    }

    private static object? ParseScalar(string text, Dictionary<string, object?> anchors)
    {
        if (text.StartsWith('*'))
        {
            return anchors.TryGetValue(text[1..], out var v) ? v : throw new FormatException($"unknown alias {text}");
        }

        if (text == "{}")
        {
            return new Dictionary<string, object?>();
        }

        if (text.StartsWith('['))
        {
            if (!text.EndsWith(']'))
            {
                throw new FormatException($"flow sequence must be on one line: {text}");
            }

            var items = new List<object?>();
            var inner = text[1..^1];
            var start = 0;
            var quote = '\0';
            for (var j = 0; j <= inner.Length; j++)
            {
                var c = j < inner.Length ? inner[j] : ',';
                if (quote != '\0')
                {
                    if (c == '\\' && quote == '"')
                    {
                        j++;
                    }
                    else if (c == quote)
                    {
                        quote = '\0';
                    }
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                }
                else if (c == ',')
                {
                    var item = inner[start..j].Trim();
                    if (item.Length > 0)
                    {
                        items.Add(Unquote(item));
                    }

                    start = j + 1;
                }
            }

            return items;
        }

        if (text.StartsWith('{') || text.StartsWith('|') || text.StartsWith('>'))
        {
            throw new FormatException($"unsupported YAML in docker-compose.yml (keep it plain): {text}");
        }

        return Unquote(text);
    }

    private static string Unquote(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            return text[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }

        return text.Length >= 2 && text[0] == '\'' && text[^1] == '\'' ? text[1..^1].Replace("''", "'", StringComparison.Ordinal) : text;
    }

    /// <summary>The index of the ':' that separates a key from its value (outside quotes, followed by space or end), or -1.</summary>
    private static int KeySeparator(string line)
    {
        var quote = '\0';
        for (var j = 0; j < line.Length; j++)
        {
            var c = line[j];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (j == 0 && c is '"' or '\'')
            {
                quote = c;
            }
            else if (c is '[' or '{' or '"' or '\'')
            {
                return -1;
            }
            else if (c == ':' && (j + 1 == line.Length || line[j + 1] == ' '))
            {
                return j;
            }
        }

        return -1;
    }

    private static string StripComment(string line)
    {
        var quote = '\0';
        for (var j = 0; j < line.Length; j++)
        {
            var c = line[j];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#' && (j == 0 || line[j - 1] == ' '))
            {
                return line[..j];
            }
        }

        return line;
    }
}
