using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary><c>model.Quantize(policy)</c> and <c>model.PlanQuantization(policy)</c> for any TorchSharp module graph.</summary>
public static class ModuleQuantizationExtensions
{
    private static readonly System.Reflection.MethodInfo RegisterComponents =
        typeof(nn.Module).GetMethod("RegisterComponents", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
        ?? throw new MissingMethodException(nameof(nn.Module), "RegisterComponents");

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
        var done = new List<ModuleSlot>();
        try
        {
            for (int i = 0; i < built.Count; i++)
            {
                foreach (ModuleSlot slot in plan.Replacements[i].Slots)
                {
                    done.Add(slot);
                    slot.Set(built[i]);
                }
            }
        }
        catch (Exception e)
        {
            done.ForEach(slot => slot.Restore());
            foreach (nn.Module module in built)
            {
                module.Dispose();
            }

            throw new QuantizationException("the model", [$"'{done[^1].Node.Path}': replacing it failed: {e.Message}"]);
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

        try
        {
            // A layer that keeps its state in fields relies on registration, which a parent's register_module would
            // do; the registry is written directly, so do it here (it is idempotent).
            RegisterComponents.Invoke(quantized, null);
            quantized.train(replacement.Original.training);
            (quantized as QuantizedLayer)?.Locate(replacement.Path);
            if (replacement.Original.parameters().FirstOrDefault() is { } like)
            {
                // Quantizer state is created on the CPU in the default dtype; move it next to the weights. This also
                // sets the module's device bookkeeping, which later to()/cpu() calls rely on.
                quantized.to(like.device, like.dtype);
            }

            // Tensors made while building belong to no caller's dispose scope: the model owns them now.
            foreach (Tensor tensor in quantized.parameters().Concat(quantized.buffers()))
            {
                tensor.DetachFromDisposeScope();
            }
        }
        catch
        {
            quantized.Dispose();
            throw;
        }

        return quantized;
    }
}
