using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary><c>model.Quantize(policy)</c> and <c>model.PlanQuantization(policy)</c> for any TorchSharp module graph.</summary>
public static class ModuleQuantizationExtensions
{
    /// <summary>
    /// What <see cref="Quantize"/> would do, without changing anything: one row per leaf module.
    /// </summary>
    /// <exception cref="QuantizationException">The policy cannot be applied to this model; lists every reason.</exception>
    public static QuantizationReport PlanQuantization(this nn.Module model, QuantPolicy policy) =>
        new(QuantizationPlanner.Plan(model, policy).Rows, applied: false);

    /// <summary>
    /// Replaces every leaf the policy selects by its quantized layer, in place: in the field, <c>Sequential</c> slot
    /// or <c>ModuleList</c>/<c>ModuleDict</c> entry its parent's forward reads and in TorchSharp's registry (order kept),
    /// so <c>parameters()</c>, <c>state_dict()</c>, <c>train()</c> and <c>to()</c> see the new layers. A module
    /// instance reachable under several names is replaced by one quantized instance everywhere. The new layers copy
    /// the float weights (names, device, dtype, <c>requires_grad</c> kept) and the float module's training mode.
    /// </summary>
    /// <returns>The same report as <see cref="PlanQuantization"/>, marked as applied.</returns>
    /// <exception cref="QuantizationException">The policy cannot be applied; nothing was changed.</exception>
    public static QuantizationReport Quantize(this nn.Module model, QuantPolicy policy)
    {
        QuantizationPlan plan = QuantizationPlanner.Plan(model, policy);
        IReadOnlyList<nn.Module> built = BuildAll(plan.Replacements);
        for (int i = 0; i < built.Count; i++)
        {
            foreach (ModuleSlot slot in plan.Replacements[i].Slots)
            {
                slot.Set(built[i]);
            }
        }

        return new QuantizationReport(plan.Rows, applied: true);
    }

    // Every new layer is built before the first slot changes, so a layer constructor that throws leaves the model as
    // it was.
    private static IReadOnlyList<nn.Module> BuildAll(IReadOnlyList<PlannedReplacement> replacements)
    {
        var built = new List<nn.Module>(replacements.Count);
        try
        {
            foreach (PlannedReplacement replacement in replacements)
            {
                built.Add(Build(replacement));
            }
        }
        catch
        {
            built.ForEach(m => m.Dispose());
            throw;
        }

        return built;
    }

    private static nn.Module Build(PlannedReplacement replacement)
    {
        var (layer, settings) = (replacement.Target.Layer!, replacement.Target.Settings!);
        nn.Module<Tensor, Tensor> quantized;
        try
        {
            quantized = layer.Create(replacement.Original, settings);
        }
        catch (Exception e) when (e is not QQuantException)
        {
            throw new QuantizationException(
                "the model",
                [$"'{replacement.Path}': building {layer.Name} failed: {e.Message}"]);
        }

        quantized.train(replacement.Original.training);
        Device? device = replacement.Original.parameters().FirstOrDefault()?.device;
        if (device is not null && device.type != DeviceType.CPU)
        {
            quantized.to(device);
        }

        return quantized;
    }
}
