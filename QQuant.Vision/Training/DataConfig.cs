using Microsoft.Extensions.Configuration;

namespace QQuant.Vision;

/// <summary>
/// The <c>data</c> section: batch size and loader threads (the reference's per-GPU names, one process here), and the
/// <c>train</c>, <c>val</c> and <c>test</c> datasets, each a dataset config with <c>type</c>, <c>dataPrefix</c>,
/// <c>annFile</c> and <c>pipeline</c>.
/// </summary>
public sealed class DataConfig
{
    /// <summary>Samples per batch.</summary>
    public int SamplesPerGpu { get; set; } = 32;

    /// <summary>Background loading threads.</summary>
    public int WorkersPerGpu { get; set; } = 2;

    /// <summary>The training split.</summary>
    public IConfiguration? Train { get; set; }

    /// <summary>The split evaluated during training.</summary>
    public IConfiguration? Val { get; set; }

    /// <summary>The split <c>qquant test</c> evaluates; its pipeline is also inference's.</summary>
    public IConfiguration? Test { get; set; }
}
