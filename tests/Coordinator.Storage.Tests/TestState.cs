using Orleans;

namespace Coordinator.Storage.Tests;

/// <summary>Grain state used by the provider-level tests: a string, bytes and a counter, Orleans-serialized.</summary>
[GenerateSerializer]
public sealed class TestState
{
    [Id(0)]
    public string Text { get; set; } = "";

    [Id(1)]
    public byte[] Blob { get; set; } = [];

    [Id(2)]
    public int Counter { get; set; }

    [Id(3)]
    public List<string> Names { get; set; } = [];

    public static TestState Random(int size = 64)
    {
        var blob = new byte[size];
        System.Random.Shared.NextBytes(blob);
        return new TestState { Text = $"text-{Guid.NewGuid():N}", Blob = blob, Counter = System.Random.Shared.Next() };
    }

    public void AssertSameAs(TestState other)
    {
        Assert.Equal(Text, other.Text);
        Assert.Equal(Blob, other.Blob);
        Assert.Equal(Counter, other.Counter);
        Assert.Equal(Names, other.Names);
    }
}
