using System.Globalization;
using System.Xml.Linq;

namespace QQuant.Analysis;

/// <summary>A line chart as an inline SVG element: axes with five ticks each, a legend, no script and no external reference.</summary>
internal static class SvgLineChart
{
    private const double Left = 56, Right = 12, Top = 26, Bottom = 40, LegendRow = 16;

    /// <summary>
    /// The chart. With <paramref name="pointNames"/> the x positions are the integers 0, 1, ...: the axis numbers them
    /// from 1 (as the layer table does), and each point is a dot whose tooltip gives its name and value.
    /// </summary>
    public static XElement Render(string title, IReadOnlyList<ChartSeries> series, double width, double height, IReadOnlyList<string>? pointNames = null)
    {
        double legendHeight = LegendRow * series.Count;
        double plotWidth = width - Left - Right;
        double plotHeight = height - Top - Bottom - legendHeight;
        var finite = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        (double xMin, double xMax) = Span(finite.Select(p => p.X));
        (double yMin, double yMax) = Span(finite.Select(p => p.Y));
        double X(double x) => Left + (x - xMin) / (xMax - xMin) * plotWidth;
        double Y(double y) => Top + plotHeight - (y - yMin) / (yMax - yMin) * plotHeight;

        var svg = new XElement("svg",
            new XAttribute("width", F(width)), new XAttribute("height", F(height)),
            new XAttribute("viewBox", $"0 0 {F(width)} {F(height)}"), new XAttribute("role", "img"),
            new XElement("title", title),
            new XElement("text", new XAttribute("x", F(Left)), new XAttribute("y", "16"), new XAttribute("class", "chart-title"), title),
            new XElement("rect", new XAttribute("x", F(Left)), new XAttribute("y", F(Top)), new XAttribute("width", F(plotWidth)),
                new XAttribute("height", F(plotHeight)), new XAttribute("class", "plot")));
        for (int i = 0; i <= 4; i++)
        {
            double y = yMin + (yMax - yMin) * i / 4;
            svg.Add(
                new XElement("line", new XAttribute("x1", F(Left)), new XAttribute("x2", F(Left + plotWidth)), new XAttribute("y1", F(Y(y))), new XAttribute("y2", F(Y(y))), new XAttribute("class", "grid")),
                new XElement("text", new XAttribute("x", F(Left - 4)), new XAttribute("y", F(Y(y) + 4)), new XAttribute("class", "tick-y"), Number(y)));
            if (pointNames is null)
            {
                double x = xMin + (xMax - xMin) * i / 4;
                svg.Add(new XElement("text", new XAttribute("x", F(X(x))), new XAttribute("y", F(Top + plotHeight + 14)), new XAttribute("class", "tick-x"), Number(x)));
            }
        }

        if (pointNames is not null)
        {
            int step = Math.Max(1, (int)Math.Ceiling(pointNames.Count / 12.0));
            for (int i = 0; i < pointNames.Count; i += step)
            {
                svg.Add(new XElement("text", new XAttribute("x", F(X(i))), new XAttribute("y", F(Top + plotHeight + 14)), new XAttribute("class", "tick-x"),
                    (i + 1).ToString(CultureInfo.InvariantCulture)));
            }
        }

        foreach (ChartSeries s in series)
        {
            foreach (string points in Segments(s.Points, X, Y))
            {
                svg.Add(new XElement("polyline", new XAttribute("points", points), new XAttribute("stroke", s.Colour), new XAttribute("class", "line")));
            }

            if (pointNames is not null)
            {
                foreach ((double x, double y) in s.Points.Where(p => double.IsFinite(p.Y)))
                {
                    svg.Add(new XElement("circle", new XAttribute("cx", F(X(x))), new XAttribute("cy", F(Y(y))), new XAttribute("r", "2.5"), new XAttribute("fill", s.Colour),
                        new XElement("title", $"{(int)x + 1}. {pointNames[(int)x]}: {s.Name} {Number(y)}")));
                }
            }
        }

        double legendTop = height - legendHeight - 4;
        for (int i = 0; i < series.Count; i++)
        {
            double y = legendTop + i * LegendRow;
            svg.Add(
                new XElement("rect", new XAttribute("x", F(Left)), new XAttribute("y", F(y)), new XAttribute("width", "12"), new XAttribute("height", "4"), new XAttribute("fill", series[i].Colour)),
                new XElement("text", new XAttribute("x", F(Left + 18)), new XAttribute("y", F(y + 6)), new XAttribute("class", "legend"), series[i].Name));
        }

        return svg;
    }

    /// <summary>A number as a chart label: up to three significant digits.</summary>
    public static string Number(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static IEnumerable<string> Segments(IReadOnlyList<(double X, double Y)> points, Func<double, double> x, Func<double, double> y)
    {
        var current = new List<string>();
        foreach ((double px, double py) in points)
        {
            if (double.IsFinite(px) && double.IsFinite(py))
            {
                current.Add($"{F(x(px))},{F(y(py))}");
                continue;
            }

            if (current.Count > 0)
            {
                yield return string.Join(' ', current);
                current.Clear();
            }
        }

        if (current.Count > 0)
        {
            yield return string.Join(' ', current);
        }
    }

    private static (double Min, double Max) Span(IEnumerable<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (!double.IsFinite(min))
        {
            return (0, 1);
        }

        if (max == min)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.05;
            return (min - pad, max + pad);
        }

        return (min, max);
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
