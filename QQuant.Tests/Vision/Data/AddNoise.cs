using QQuant.Vision;

namespace QQuant.Tests.Vision.Data;

/// <summary>A random transform: adds a uniform [0, 1) draw to every pixel.</summary>
internal sealed class AddNoise : ITransform
{
    public Sample Apply(Sample sample, Random random)
    {
        float[] data = sample.Pixels!.Data;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] += random.NextSingle();
        }

        return sample;
    }
}
