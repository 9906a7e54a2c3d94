using QQuant.Vision;
using TorchSharp.Modules;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>
/// <c>frozenStages</c> and <c>normEval</c> of every backbone that has them: exactly which parameters stop learning and
/// which modules stay in eval mode, after construction and after each switch of training mode.
/// </summary>
public class StageFreezingTests
{
    [Theory]
    [InlineData("""{ "type": "ResNet", "depth": 18, "frozenStages": -1 }""", new string[0])]
    [InlineData("""{ "type": "ResNet", "depth": 18, "frozenStages": 0 }""", new[] { "conv1", "bn1" })]
    [InlineData("""{ "type": "ResNet", "depth": 18, "frozenStages": 2 }""", new[] { "conv1", "bn1", "layer1", "layer2" })]
    [InlineData("""{ "type": "ResNet", "depth": 18, "frozenStages": 4 }""", new[] { "conv1", "bn1", "layer1", "layer2", "layer3", "layer4" })]
    [InlineData("""{ "type": "ResNet_CIFAR", "depth": 18, "numStages": 2, "outIndices": [1], "frozenStages": 1 }""", new[] { "conv1", "bn1", "layer1" })]
    [InlineData("""{ "type": "ResNetV1d", "depth": 50, "numStages": 2, "outIndices": [1], "frozenStages": 1 }""", new[] { "stem", "layer1" })]
    [InlineData("""{ "type": "MobileNetV2", "frozenStages": 0, "outIndices": [1] }""", new[] { "conv1" })]
    [InlineData("""{ "type": "MobileNetV2", "frozenStages": 7, "outIndices": [7] }""", new[] { "conv1", "layer1", "layer2", "layer3", "layer4", "layer5", "layer6", "layer7" })]
    [InlineData("""{ "type": "VGG", "depth": 11, "withNorm": true, "numStages": 3, "frozenStages": 0 }""", new string[0])]
    [InlineData("""{ "type": "VGG", "depth": 11, "withNorm": true, "numStages": 3, "frozenStages": 2 }""", new[] { "features.0", "features.1", "features.2", "features.3" })]
    [InlineData("""{ "type": "VGG", "depth": 11, "withNorm": true, "numStages": 2, "frozenStages": 2, "numClasses": 5 }""", new[] { "features.0", "features.1", "features.2", "features.3" })]
    public void Frozen_modules_stop_learning_and_stay_in_eval_mode_through_every_mode_switch(string json, string[] frozen)
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson(json);
        AssertFrozen(backbone, frozen, normEval: false);

        backbone.eval();
        AssertAllEval(backbone, frozen);
        backbone.train();
        AssertFrozen(backbone, frozen, normEval: false);
        backbone.train(false);
        AssertAllEval(backbone, frozen);
        backbone.train(true);
        AssertFrozen(backbone, frozen, normEval: false);
    }

    [Theory]
    [InlineData("""{ "type": "ResNet", "depth": 18, "numStages": 2, "outIndices": [1], "frozenStages": 1, "normEval": true }""", new[] { "conv1", "bn1", "layer1" })]
    [InlineData("""{ "type": "MobileNetV2", "frozenStages": 1, "outIndices": [2], "normEval": true }""", new[] { "conv1", "layer1" })]
    [InlineData("""{ "type": "VGG", "depth": 11, "withNorm": true, "numStages": 2, "frozenStages": 1, "normEval": true }""", new[] { "features.0", "features.1" })]
    public void NormEval_adds_every_batch_norm_to_the_frozen_modules_only_while_training(string json, string[] frozen)
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson(json);

        // Construction freezes the stages; the norms join only when train() is called.
        AssertFrozen(backbone, frozen, normEval: false);
        backbone.train();
        AssertFrozen(backbone, frozen, normEval: true);
        backbone.eval();
        AssertAllEval(backbone, frozen);
        backbone.train();
        AssertFrozen(backbone, frozen, normEval: true);
    }

    [Fact]
    public void Backbones_without_frozen_stages_train_every_module()
    {
        using var scope = NewDisposeScope();
        foreach (string json in new[]
                 {
                     """{ "type": "CifarResNet", "depth": 8 }""",
                     """{ "type": "LeNet5", "numClasses": 3 }""",
                 })
        {
            Backbone backbone = FromJson(json);
            backbone.eval();
            backbone.train();
            AssertFrozen(backbone, [], normEval: false);
        }
    }

    private static bool Under(string name, string[] prefixes) =>
        prefixes.Any(p => name == p || name.StartsWith(p + ".", StringComparison.Ordinal));

    private static void AssertFrozen(Backbone backbone, string[] frozen, bool normEval)
    {
        Assert.True(backbone.training);
        foreach ((string name, Parameter parameter) in backbone.named_parameters())
        {
            Assert.True(parameter.requires_grad != Under(name, frozen), $"{name}: requires_grad is {parameter.requires_grad}");
        }

        foreach ((string name, nn.Module module) in backbone.named_modules())
        {
            bool eval = Under(name, frozen) || (normEval && module is BatchNorm2d);
            Assert.True(module.training != eval, $"{name}: training is {module.training}");
        }
    }

    private static void AssertAllEval(Backbone backbone, string[] frozen)
    {
        Assert.False(backbone.training);
        Assert.All(backbone.named_modules(), m => Assert.False(m.module.training, m.name));
        foreach ((string name, Parameter parameter) in backbone.named_parameters())
        {
            Assert.True(parameter.requires_grad != Under(name, frozen), $"{name}: requires_grad is {parameter.requires_grad}");
        }
    }
}
