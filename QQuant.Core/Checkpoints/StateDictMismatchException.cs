namespace QQuant;

/// <summary>
/// A strict load found keys or shapes that do not match the module. Nothing was changed; <see cref="Report"/> lists
/// every missing, unexpected and shape-mismatched key.
/// </summary>
public sealed class StateDictMismatchException : QQuantException
{
    /// <summary>Creates the exception from the report of the refused load.</summary>
    public StateDictMismatchException(StateDictLoadReport report)
        : base($"The state dict from {report.Source} does not match the module, so nothing was loaded "
               + "(pass strict: false to load what fits; the exception's Report lists every key).\n" + report)
    {
        Report = report;
    }

    /// <summary>What the load would have done.</summary>
    public StateDictLoadReport Report { get; }
}
