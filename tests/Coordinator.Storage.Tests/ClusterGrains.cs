using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace Coordinator.Storage.Tests;

/// <summary>A grain whose state persists through the encrypted provider named <see cref="StorageName"/>.</summary>
public interface IPersistentCounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<CounterState> GetAsync();

    Task DeactivateAsync();

    Task<string> SiloAsync();
}

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Count { get; set; }

    [Id(1)]
    public string Domain { get; set; } = "";

    [Id(2)]
    public byte[] PrivateKey { get; set; } = [];
}

/// <summary>Random placement spreads activations over both silos (the default placement may put them all on one).</summary>
[RandomPlacement]
public sealed class PersistentCounterGrain(
    [PersistentState("counter", PersistentCounterGrain.StorageName)] IPersistentState<CounterState> state,
    ILocalSiloDetails silo) : Grain, IPersistentCounterGrain
{
    public const string StorageName = "encrypted";

    public async Task<int> IncrementAsync()
    {
        state.State.Count++;
        state.State.Domain = this.GetPrimaryKeyString();
        if (state.State.PrivateKey.Length == 0)
        {
            state.State.PrivateKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        }

        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<CounterState> GetAsync() => Task.FromResult(state.State);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<string> SiloAsync() => Task.FromResult(silo.SiloAddress.ToString());
}
