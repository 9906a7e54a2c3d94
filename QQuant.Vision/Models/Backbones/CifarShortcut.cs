namespace QQuant.Vision;

/// <summary>How a <see cref="CifarResNet"/> block's shortcut matches a change of shape (He et al. 2016, §4.2).</summary>
public enum CifarShortcut
{
    /// <summary>Option A: the identity, subsampled by 2 and zero-padded to the new channel count; no parameters.</summary>
    A,

    /// <summary>Option B: a 1x1 strided conv and a batch norm (<c>downsample.0</c>, <c>downsample.1</c>).</summary>
    B,
}
