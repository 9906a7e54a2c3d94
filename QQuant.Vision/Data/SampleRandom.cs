namespace QQuant.Vision;

/// <summary>
/// The random source for one sample: a pure function of the seed, the epoch and the sample's index, so results do not
/// depend on which worker thread handles the sample or in which order.
/// </summary>
public static class SampleRandom
{
    /// <summary>A generator seeded from (<paramref name="seed"/>, <paramref name="epoch"/>, <paramref name="index"/>).</summary>
    public static Random For(long seed, int epoch, int index)
    {
        ulong state = Mix((ulong)seed);
        state = Mix(state ^ (uint)epoch);
        state = Mix(state ^ (uint)index);
        return new Random((int)(state ^ (state >> 32)));
    }

    // SplitMix64's finaliser: nearby inputs give unrelated outputs.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
