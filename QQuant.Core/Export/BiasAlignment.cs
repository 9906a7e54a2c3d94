using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>
/// Gives a quantized model the int32 biases its ONNX export carries, so the library evaluates what ONNX Runtime's
/// integer kernels compute.
/// </summary>
/// <remarks>
/// <c>QLinearConv</c> adds its bias as int32 codes of <c>s_x · s_w[c]</c> (BatchNorm folded into <c>s_w</c>), so the
/// export rounds each such bias by up to half a code. An output within that of a rounding boundary of the next
/// quantizer then moves a whole step, and a few of those change a top-1 answer. Alignment moves each bias onto the
/// grid in the model itself (the folded BatchNorm's β, or the convolution's bias), by at most half a code per
/// channel; afterwards the library and the exported model compute the same biases, and a later export writes the
/// same codes. Align after training, before the final evaluation and export; further training moves the biases off
/// the grid again.
/// </remarks>
public static class BiasAlignment
{
    /// <summary>
    /// Puts every bias that an export of <paramref name="model"/> with <paramref name="options"/> writes as int32 codes
    /// on those codes (all of them or, on error, none).
    /// </summary>
    /// <returns>One row per convolution whose bias moved.</returns>
    /// <exception cref="OnnxExportException">The model does not export, or a moved bias has no parameter to hold it.</exception>
    public static IReadOnlyList<AlignedBias> AlignBiasesToIntegerGrid(this nn.Module<Tensor, Tensor> model, OnnxExportOptions options)
    {
        Dictionary<string, nn.Module> modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var changes = new List<(Tensor Parameter, float[] Values)>();
        var rows = new List<AlignedBias>();
        foreach (IntegerBiasLayer layer in OnnxExport.IntegerBiases(model, options))
        {
            double[] move = [.. layer.Exported.Select((target, c) => target - layer.Bias[c])];
            if (move.All(m => m == 0))
            {
                continue;
            }

            string owner = layer.Norm ?? layer.Path;
            Tensor parameter = BiasOf(modules, owner, layer.Path);
            if (changes.Any(c => ReferenceEquals(c.Parameter, parameter)))
            {
                throw new OnnxExportException(owner, $"'{owner}.bias' serves more than one exported convolution, so it cannot be on each one's grid.");
            }

            float[] current = OnnxExportContext.HostFloats(parameter);
            changes.Add((parameter, [.. current.Select((value, c) => (float)(value + move[c]))]));
            rows.Add(new AlignedBias(layer.Path, $"{owner}.bias", move.Max(Math.Abs), move.Select((m, c) => Math.Abs(m / layer.Units[c])).Max()));
        }

        using var noGrad = no_grad();
        foreach ((Tensor parameter, float[] values) in changes)
        {
            using Tensor host = tensor(values).view(parameter.shape);
            parameter.copy_(host);
        }

        return rows;
    }

    private static Tensor BiasOf(Dictionary<string, nn.Module> modules, string owner, string convolution)
    {
        if (!modules.TryGetValue(owner, out nn.Module? module))
        {
            throw new OnnxExportException(owner, $"The export names '{owner}' (the bias of '{convolution}'), which is not a module path of the model: its emitter must name children as the model does.");
        }

        return module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "bias").parameter
               ?? throw new OnnxExportException(owner, $"'{owner}' has no bias parameter to put on the int32 grid of '{convolution}' (a BatchNorm without affine parameters, or a convolution without bias).");
    }
}

/// <summary>A convolution whose bias <see cref="BiasAlignment.AlignBiasesToIntegerGrid"/> moved.</summary>
/// <param name="Convolution">The convolution's module path.</param>
/// <param name="Parameter">The parameter that changed (the folded BatchNorm's or the convolution's bias).</param>
/// <param name="LargestMove">The largest change of one channel's bias, in the output's units.</param>
/// <param name="LargestMoveInCodes">The same in int32 codes (<c>s_x · s_w[c]</c>): at most 0.5.</param>
public sealed record AlignedBias(string Convolution, string Parameter, double LargestMove, double LargestMoveInCodes);
