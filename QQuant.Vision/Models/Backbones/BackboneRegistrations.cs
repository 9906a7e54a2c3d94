namespace QQuant.Vision;

/// <summary>The backbones under their configuration names.</summary>
internal static class BackboneRegistrations
{
    public static void Register(ComponentRegistry registry)
    {
    }
}
