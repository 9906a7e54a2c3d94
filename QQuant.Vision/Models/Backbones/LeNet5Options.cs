namespace QQuant.Vision;

/// <summary>Options of <see cref="LeNet5"/> (<c>type: LeNet5</c>).</summary>
public sealed class LeNet5Options
{
    /// <summary>Classes of the built-in classifier (<c>num_classes</c>); -1 (the default) builds none.</summary>
    public int NumClasses { get; set; } = -1;

    /// <summary>Image channels (<c>in_channels</c>, default 1: mmcls's LeNet5 takes grey 32x32 images).</summary>
    public int InChannels { get; set; } = 1;
}
