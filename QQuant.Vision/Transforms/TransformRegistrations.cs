namespace QQuant.Vision;

/// <summary>The transforms under their configuration names.</summary>
internal static class TransformRegistrations
{
    public static void Register(ComponentRegistry registry)
    {
    }
}
