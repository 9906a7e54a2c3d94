namespace QQuant.Vision;

/// <summary>
/// What <see cref="Normalize"/> did (meta <c>img_norm_cfg</c>): the per-channel mean and std it used, and whether
/// the output is RGB (<c>to_rgb</c>); <see cref="LoadImageFromFile"/> records the identity (mean 0, std 1).
/// </summary>
/// <param name="Mean">Subtracted from each output channel, on 0..255 values.</param>
/// <param name="Std">Each output channel is divided by it.</param>
/// <param name="ToRgb">True: channels are RGB; false: a colour image's channels are BGR.</param>
public sealed record ImageNormConfig(IReadOnlyList<double> Mean, IReadOnlyList<double> Std, bool ToRgb);
