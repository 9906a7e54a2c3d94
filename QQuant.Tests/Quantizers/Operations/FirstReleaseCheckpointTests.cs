using System.Globalization;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Operations;

/// <summary>
/// Checkpoints written by the first release's per-algorithm layer classes (<c>LSQConv</c>, ... as modules, commit
/// a8decbf) load into models quantized through today's schemes and give the logits they gave then, bit for bit.
/// Each file holds a conv-relu-flatten-fc model trained 3 SGD steps; the text beside it holds the input and the
/// evaluation logits of the writing run.
/// </summary>
public class FirstReleaseCheckpointTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Quantizers", "Operations", "Checkpoints");

    public static TheoryData<string> Schemes() => ["LSQ", "LSQPlus", "DSQ", "DoReFa", "PACT", "APoT", "Uniform", "EightBit"];

    /// <summary>The policies the files were written with, spelled as then.</summary>
    private static QuantPolicy Policy(string scheme) => scheme switch
    {
        "LSQ" => QuantPolicy.For<Conv2d>().Use<LSQConv>(4, 4, o => o.PerChannelWeights = true).For<Linear>().Use<LSQLinear>(8, 8),
        "LSQPlus" => QuantPolicy.For<Conv2d>().Use<LSQPlusConv>(4, 4).For<Linear>().Use<LSQPlusLinear>(8, 8),
        "DSQ" => QuantPolicy.For<Conv2d>().Use<DSQConv>(4, 4).For<Linear>().Use<DSQLinear>(4, 4),
        "DoReFa" => QuantPolicy.For<Conv2d>().Use<DoReFaConv>(4, 4).For<Linear>().Use<DoReFaLinear>(8, 8),
        "PACT" => QuantPolicy.For<Conv2d>().Use<PACTConv>(4, 4).For<Linear>().Use<PACTLinear>(8, 8),
        "APoT" => QuantPolicy.For<Conv2d>().Use<APoTConv>(4, 4, o => o.PerChannelWeights = true).For<Linear>().Use<APoTLinear>(5, 5),
        "Uniform" => QuantPolicy.For<Conv2d>().Use<UniformConv>(4, 4).For<Linear>().Use<UniformLinear>(8, 8),
        _ => QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8, o => o.PerChannelWeights = true).For<Linear>().Use<EightBitLinear>(8, 8),
    };

    [Theory]
    [MemberData(nameof(Schemes))]
    public void A_first_release_checkpoint_loads_and_gives_its_logits(string scheme)
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("conv", nn.Conv2d(3, 4, 3, padding: 1)), ("relu", nn.ReLU()), ("flatten", nn.Flatten()), ("fc", nn.Linear(4 * 6 * 6, 3)));
        model.Quantize(Policy(scheme));
        string[] lines = File.ReadAllLines(Path.Combine(Folder, scheme + ".txt"));
        Tensor x = tensor(Numbers(lines[0])).reshape(4, 3, 6, 6);
        float[] expected = Numbers(lines[1]);

        model.load(Path.Combine(Folder, scheme + ".dat"), strict: true);
        model.eval();
        using var noGrad = no_grad();

        Assert.Equal(expected, model.call(x).data<float>().ToArray());
    }

    private static float[] Numbers(string line) =>
        [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
}
