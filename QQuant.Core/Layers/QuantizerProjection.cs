using static TorchSharp.torch;

namespace QQuant;

/// <summary>Keeps learned quantizer state valid during training: <c>model.ProjectQuantizerState()</c> after each optimizer step.</summary>
public static class QuantizerProjection
{
    /// <summary>
    /// Calls <see cref="Quantizer.ProjectState"/> on every quantizer of <paramref name="model"/> (for example DSQ's α
    /// back into its interval and its bounds back in order). <see cref="Training.Trainer{TBatch}"/> does it after every
    /// step; a training loop of your own calls it after <c>optimizer.step()</c>.
    /// </summary>
    public static void ProjectQuantizerState(this nn.Module model)
    {
        foreach (Quantizer quantizer in model.modules().Prepend(model).OfType<Quantizer>().Distinct())
        {
            quantizer.ProjectState();
        }
    }
}
