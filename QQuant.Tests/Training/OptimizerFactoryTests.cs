using QQuant.Quantizers;
using QQuant.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Training;

public class OptimizerFactoryTests
{
    private static nn.Module<Tensor, Tensor> QuantizedNet()
    {
        var net = nn.Sequential(("conv", nn.Conv2d(1, 4, 3, bias: true)), ("bn", nn.BatchNorm2d(4)), ("relu", nn.ReLU()),
            ("flat", nn.Flatten()), ("fc", nn.Linear(4 * 4 * 4, 3)));
        net.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(4, 4).For<Linear>().Use<LSQLinear>(4, 4));
        using var generator = new Generator(3);
        using (no_grad())
        {
            foreach ((string name, Parameter p) in net.named_parameters())
            {
                p.copy_(rand(p.shape, generator: generator).add_(0.5));
            }
        }

        return net;
    }

    [Fact]
    public void Parameters_split_into_regular_bias_norm_and_quantizer_groups()
    {
        using var net = QuantizedNet();

        IReadOnlyList<ParameterGroup> groups = OptimizerFactory.Group(net, new OptimizerConfig());

        Assert.Equal(["regular", "bias", "norm", "quantizer"], groups.Select(g => g.Kind));
        Assert.Equal(["conv.weight", "fc.weight"], groups[0].Names.Order());
        Assert.Equal(["conv.bias", "fc.bias"], groups[1].Names.Order());
        Assert.Equal(["bn.bias", "bn.weight"], groups[2].Names.Order());
        Assert.Equal(["conv.input_quantizer.step", "conv.weight_quantizer.step", "fc.input_quantizer.step", "fc.weight_quantizer.step"], groups[3].Names.Order());
        Assert.Equal(net.parameters().Count(), groups.Sum(g => g.Parameters.Count));
        Assert.Equal([1, 1, 0, 0], groups.Select(g => g.DecayMult));
    }

    [Fact]
    public void Weight_decay_reaches_only_the_decayed_groups_and_the_quantizer_lr_multiplier_scales_its_steps()
    {
        using var net = QuantizedNet();
        var config = new OptimizerConfig
        {
            Type = "SGD", Lr = 0.5, WeightDecay = 0.1,
            ParamwiseCfg = new ParamwiseConfig { QuantizerLrMult = 0.2, QuantizerDecayMult = 0, NormDecayMult = 0, BiasDecayMult = 0.5 },
        };
        using TrainingOptimizer optimizer = OptimizerFactory.Create(net, config);
        Dictionary<string, double> before = Values(net);

        // A zero loss gradient: the step is the decay alone (p -= lr * wd * mult * p) ...
        foreach (Parameter p in net.parameters())
        {
            p.grad = zeros_like(p);
        }

        optimizer.Optimizer.step();
        Dictionary<string, double> afterDecay = Values(net);
        Assert.Equal(before["conv.weight"] * (1 - 0.5 * 0.1), afterDecay["conv.weight"], 6);
        Assert.Equal(before["fc.bias"] * (1 - 0.5 * 0.1 * 0.5), afterDecay["fc.bias"], 6);
        Assert.Equal(before["bn.weight"], afterDecay["bn.weight"], 12);
        Assert.Equal(before["fc.weight_quantizer.step"], afterDecay["fc.weight_quantizer.step"], 12);

        // ... and a unit gradient moves quantizer parameters by lr * 0.2.
        optimizer.SetLearningRate(0.5);
        foreach (Parameter p in net.parameters())
        {
            p.grad = ones_like(p);
        }

        optimizer.Optimizer.step();
        Dictionary<string, double> afterStep = Values(net);
        Assert.Equal(afterDecay["fc.weight_quantizer.step"] - 0.5 * 0.2, afterStep["fc.weight_quantizer.step"], 6);
        Assert.Equal(afterDecay["bn.weight"] - 0.5, afterStep["bn.weight"], 6);
        Assert.Equal(0.5, optimizer.CurrentLr);
    }

    [Fact]
    public void Pact_alpha_takes_the_weights_decay_by_default_and_a_configured_multiplier_replaces_every_default()
    {
        var net = nn.Sequential(("conv", nn.Conv2d(1, 2, 3, bias: false)), ("flat", nn.Flatten()), ("fc", nn.Linear(2 * 2 * 2, 3, hasBias: false)));
        net.Quantize(QuantPolicy.For<Conv2d>().Use<PACTConv, ClipOptions>(4, 4, o => (o.InitialClip, o.ActivationSign) = (2, ActivationSign.Unsigned))
            .For<Linear>().Use<LSQLinear>(4, 4));
        using (net)
        {
            IReadOnlyList<ParameterGroup> groups = OptimizerFactory.Group(net, new OptimizerConfig());

            Assert.Equal(["regular", "quantizer", "quantizer"], groups.Select(g => g.Kind));
            Assert.Equal([1, 0, 1], groups.Select(g => g.DecayMult));
            Assert.Equal(["conv.input_quantizer.alpha"], groups[2].Names);

            // SGD with a zero loss gradient: α decays by lr·wd = 0.05, as the weights do; LSQ's steps do not move.
            var config = new OptimizerConfig { Type = "SGD", Lr = 0.5, WeightDecay = 0.1 };
            Dictionary<string, double> before;
            using (TrainingOptimizer optimizer = OptimizerFactory.Create(net, config))
            {
                net.call(ones(1, 1, 4, 4)).Dispose(); // initialises LSQ's steps
                before = Values(net);
                foreach (Parameter p in net.parameters())
                {
                    p.grad = zeros_like(p);
                }

                optimizer.Optimizer.step();
            }

            Dictionary<string, double> after = Values(net);
            Assert.Equal(2 * (1 - 0.05), after["conv.input_quantizer.alpha"], 6);
            Assert.Equal(before["fc.input_quantizer.step"], after["fc.input_quantizer.step"], 12);

            config.ParamwiseCfg.QuantizerDecayMult = 0;
            IReadOnlyList<ParameterGroup> configured = OptimizerFactory.Group(net, config);
            Assert.Equal([1, 0], configured.Select(g => g.DecayMult));
            Assert.Contains("conv.input_quantizer.alpha", configured[1].Names);
        }
    }

    [Fact]
    public void Frozen_parameters_are_left_out()
    {
        using var net = QuantizedNet();
        foreach ((string name, Parameter p) in net.named_parameters().Where(p => p.name.StartsWith("conv.", StringComparison.Ordinal)))
        {
            p.requires_grad = false;
        }

        IReadOnlyList<ParameterGroup> groups = OptimizerFactory.Group(net, new OptimizerConfig());

        Assert.DoesNotContain(groups.SelectMany(g => g.Names), n => n.StartsWith("conv.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Adam")]
    [InlineData("adamw")]
    [InlineData("SGD")]
    public void Each_optimizer_type_builds_with_one_torch_group_per_kind(string type)
    {
        using var net = QuantizedNet();
        using TrainingOptimizer optimizer = OptimizerFactory.Create(net, new OptimizerConfig { Type = type, Lr = 0.01 });

        Assert.Equal(4, optimizer.Optimizer.ParamGroups.Count());
        Assert.Equal(type.ToLowerInvariant(), optimizer.Optimizer.GetType().Name.ToLowerInvariant());
    }

    [Theory]
    [InlineData("RMSprop", 0.1, "optimizer:type", "SGD")]
    [InlineData("SDG", 0.1, "optimizer:type", "nearest: 'SGD'")]
    [InlineData("SGD", 0.0, "optimizer:lr", "positive")]
    [InlineData("SGD", -1.0, "optimizer:lr", "-1")]
    public void Bad_settings_name_their_key(string type, double lr, string key, string text)
    {
        using var net = QuantizedNet();

        var e = Assert.Throws<TrainingConfigException>(() => OptimizerFactory.Create(net, new OptimizerConfig { Type = type, Lr = lr }));

        Assert.Equal(key, e.Key);
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void Adam_refuses_momentum_and_sgd_refuses_betas()
    {
        using var net = QuantizedNet();

        Assert.Equal("optimizer:momentum", Assert.Throws<TrainingConfigException>(() =>
            OptimizerFactory.Create(net, new OptimizerConfig { Type = "Adam", Momentum = 0.9 })).Key);
        Assert.Equal("optimizer:betas", Assert.Throws<TrainingConfigException>(() =>
            OptimizerFactory.Create(net, new OptimizerConfig { Type = "SGD", Betas = [0.9, 0.99] })).Key);
        Assert.Equal("optimizer:paramwiseCfg:quantizerLrMult", Assert.Throws<TrainingConfigException>(() =>
            OptimizerFactory.Create(net, new OptimizerConfig { ParamwiseCfg = new ParamwiseConfig { QuantizerLrMult = -1 } })).Key);
    }

    private static Dictionary<string, double> Values(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().flatten()[0].to(float64).item<double>());
}
