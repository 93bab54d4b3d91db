// Each test class here starts its own cluster of real node processes; run them one after another so
// that two cores are not shared by nine node processes starting at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
