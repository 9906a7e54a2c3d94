namespace QQuant;

/// <summary>
/// The options object behind a policy registered with <see cref="QQuantBuilder.AddPolicy"/>: resolve
/// <c>IOptions&lt;QuantPolicyOptions&gt;</c> (or <c>IOptionsSnapshot</c> by name) for its <see cref="Policy"/>.
/// </summary>
public sealed class QuantPolicyOptions
{
    /// <summary>The bound policy; null until the options are configured.</summary>
    public QuantPolicy? Policy { get; set; }
}
