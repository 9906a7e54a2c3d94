using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>
/// Compares a float model with its quantized twin, layer by layer: the quantized layers are found through
/// <see cref="IQuantizedLayer"/> and matched by name to the float model's modules; no debug flags are needed.
/// </summary>
/// <example>
/// <code>
/// ModelAnalysisResult result = ModelAnalysis.Compare(floatModel, quantizedModel, [images]);
/// LayerAnalysis worst = result.Layers.MinBy(l => l.Input.LatentVsQuantized.SqnrDb)!;
/// </code>
/// </example>
public static class ModelAnalysis
{
    /// <summary>
    /// Runs both models in evaluation mode, without gradients, on <paramref name="batches"/> (each a batch already on
    /// the models' device) and compares them. Layer inputs are analysed on the first batch; the outputs over all of
    /// them. Both models are left in the training mode they were in.
    /// </summary>
    /// <exception cref="ModelAnalysisException">There are no batches, no layer in common, a layer's weight shapes
    /// differ, or the models do not return one row of logits per input.</exception>
    public static ModelAnalysisResult Compare(
        nn.Module<Tensor, Tensor> floatModel, nn.Module<Tensor, Tensor> quantizedModel, IEnumerable<Tensor> batches)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(quantizedModel);
        ArgumentNullException.ThrowIfNull(batches);
        IReadOnlyList<LayerPair> pairs = LayerPair.Match(floatModel, quantizedModel);
        using (new EvaluationScope(floatModel, quantizedModel))
        {
            var outputs = new OutputAccumulator();
            List<LayerAnalysis>? layers = null;
            foreach (Tensor batch in batches)
            {
                if (layers is null)
                {
                    layers = AnalyseLayers(pairs, floatModel, quantizedModel, batch, outputs);
                }
                else
                {
                    using var scope = NewDisposeScope();
                    outputs.Add(floatModel.call(batch), quantizedModel.call(batch));
                }
            }

            if (layers is null)
            {
                throw new ModelAnalysisException("Model analysis needs at least one input batch; none was given.");
            }

            return new ModelAnalysisResult(layers, outputs.Result(), Sizes(floatModel, quantizedModel));
        }
    }

    private static List<LayerAnalysis> AnalyseLayers(
        IReadOnlyList<LayerPair> pairs, nn.Module<Tensor, Tensor> floatModel, nn.Module<Tensor, Tensor> quantizedModel, Tensor batch, OutputAccumulator outputs)
    {
        using var capture = new TensorCapture();
        foreach (LayerPair pair in pairs)
        {
            capture.Input("float " + pair.Name, pair.Float);
            capture.Input("latent " + pair.Name, pair.Quantized);
            capture.Output("quantized " + pair.Name, (nn.Module<Tensor, Tensor>)pair.Layer.InputQuantizer);
        }

        using (var scope = NewDisposeScope())
        {
            outputs.Add(floatModel.call(batch), quantizedModel.call(batch));
        }

        return [.. pairs.Select(pair => Analyse(pair, capture))];
    }

    private static LayerAnalysis Analyse(LayerPair pair, TensorCapture capture)
    {
        using var scope = NewDisposeScope();
        IQuantizedLayer layer = pair.Layer;
        Tensor floatWeight = LayerPair.Weight(pair.Float, pair.Name);
        Tensor latentWeight = LayerPair.Weight(pair.Quantized, pair.Name);
        Tensor quantizedWeight = layer.QuantizedWeight();
        bool perChannelWeight = layer.WeightQuantizer is CalibratedQuantizer { PerChannel: true };
        return new LayerAnalysis(
            pair.Name,
            pair.Float.GetType().Name,
            pair.Quantized.GetName(),
            layer.WeightQuantizer.Bits,
            layer.InputQuantizer.Bits,
            Three(floatWeight, latentWeight, quantizedWeight, layer.WeightQuantizer.Bits, perChannelWeight),
            Three(capture["float " + pair.Name], capture["latent " + pair.Name], capture["quantized " + pair.Name], layer.InputQuantizer.Bits, perChannel: false),
            QuantizerState(layer));
    }

    private static TensorAnalysis Three(Tensor floatTensor, Tensor latent, Tensor quantized, int bits, bool perChannel) =>
        new(
            ValueDistribution.Of(floatTensor),
            ValueDistribution.Of(latent),
            ValueDistribution.Of(quantized),
            TensorComparison.Of(floatTensor, latent),
            TensorComparison.Of(latent, quantized),
            bits >= 32 ? 0 : Clipping.Share(latent, quantized, perChannel));

    private static Dictionary<string, IReadOnlyList<double>> QuantizerState(IQuantizedLayer layer)
    {
        var state = new Dictionary<string, IReadOnlyList<double>>();
        foreach ((string prefix, IQuantizer quantizer) in new[] { ("weight_quantizer.", layer.WeightQuantizer), ("input_quantizer.", layer.InputQuantizer) })
        {
            var module = (nn.Module)quantizer;
            foreach ((string name, Tensor value) in module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers()))
            {
                using Tensor values = value.detach().reshape(-1).to(float64).cpu();
                state[prefix + name] = values.data<double>().ToArray();
            }
        }

        return state;
    }

    private static ModelSize Sizes(nn.Module floatModel, nn.Module quantizedModel)
    {
        var weightBits = new Dictionary<IntPtr, int>();
        foreach (nn.Module module in quantizedModel.modules())
        {
            if (module is IQuantizedLayer layer)
            {
                weightBits[LayerPair.Weight(module, module.GetName()).Handle] = layer.WeightQuantizer.Bits;
            }
        }

        double floatBytes = floatModel.parameters().Sum(p => p.numel() * 4.0);
        double quantizedBytes = quantizedModel.parameters().Sum(p => p.numel() * (weightBits.TryGetValue(p.Handle, out int bits) ? Math.Min(bits, 32) / 8.0 : 4.0));
        return new ModelSize(floatBytes, quantizedBytes);
    }

    /// <summary>Top-1 agreement and softmax KL summed over batches.</summary>
    private sealed class OutputAccumulator
    {
        private long _samples;
        private long _agreeing;
        private double _klNats;

        public void Add(Tensor floatLogits, Tensor quantizedLogits)
        {
            if (floatLogits.dim() != 2 || !floatLogits.shape.SequenceEqual(quantizedLogits.shape))
            {
                throw new ModelAnalysisException(
                    $"Model analysis compares one row of logits per input; the float model returned [{string.Join(", ", floatLogits.shape)}] and the quantized model [{string.Join(", ", quantizedLogits.shape)}].");
            }

            Tensor p = SoftmaxDivergence.LogProbabilities(floatLogits);
            Tensor q = SoftmaxDivergence.LogProbabilities(quantizedLogits);
            _klNats += SoftmaxDivergence.SumNats(p, q);
            _agreeing += p.argmax(1).eq(q.argmax(1)).sum().item<long>();
            _samples += p.shape[0];
        }

        public OutputComparison Result() =>
            new(_samples, _samples == 0 ? double.NaN : 100.0 * _agreeing / _samples, _samples == 0 ? double.NaN : SoftmaxDivergence.MeanBits(_klNats, _samples));
    }
}
