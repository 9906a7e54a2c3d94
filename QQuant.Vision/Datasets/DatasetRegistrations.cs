namespace QQuant.Vision;

/// <summary>The datasets under their configuration names.</summary>
internal static class DatasetRegistrations
{
    public static void Register(ComponentRegistry registry)
    {
    }
}
