using System.Text;
using Microsoft.Extensions.Configuration;
using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>Builds backbones from JSON the way a configuration file does, and looks modules up by name.</summary>
internal static class BackboneTestSupport
{
    public static Backbone FromJson(string json)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)))
            .Build();
        return new ComponentRegistry().AddVision().Build<Backbone>(configuration);
    }

    /// <summary>The message of the configuration error <paramref name="json"/> causes.</summary>
    public static string ErrorOf(string json) => Assert.Throws<ComponentConfigurationException>(() => FromJson(json)).Message;

    public static nn.Module Module(nn.Module root, string name) =>
        root.named_modules().Single(m => m.name == name).module;

    public static Conv2d Conv(nn.Module root, string name) => Assert.IsType<Conv2d>(Module(root, name));

    public static BatchNorm2d Norm(nn.Module root, string name) => Assert.IsType<BatchNorm2d>(Module(root, name));

    public static Tensor Images(int batch, int channels, int size, long seed = 7)
    {
        using var generator = new Generator((ulong)seed);
        return randn([batch, channels, size, size], generator: generator);
    }

    public static long[] Shape(Tensor t) => t.shape;

    /// <summary>Runs forward and a backward of the sum of squares; every trainable parameter that took part gets a gradient.</summary>
    public static long[] ForwardBackward(Backbone backbone, Tensor images)
    {
        backbone.train();
        using Tensor output = backbone.call(images);
        using Tensor loss = output.square().sum();
        loss.backward();
        Parameter first = backbone.parameters().First(p => p.requires_grad);
        Assert.NotNull(first.grad);
        Assert.True(first.grad!.abs().sum().item<float>() > 0, "the first layer got a zero gradient");
        return output.shape;
    }
}
