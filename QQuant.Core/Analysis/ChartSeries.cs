namespace QQuant.Analysis;

/// <summary>One line of a chart: its legend name, its colour and its points (non-finite y values break the line).</summary>
internal sealed record ChartSeries(string Name, string Colour, IReadOnlyList<(double X, double Y)> Points);
