using FaceClip.Core.Geometry;

namespace FaceClip.Core.Tests.Geometry;

/// <summary>Imports ICT-FaceKit once per test class (from the cache under models/.cache after the first run).</summary>
public sealed class IctFaceKitFixture
{
    private static readonly Lazy<FaceModelData> Shared = new(() => IctFaceKitImporter.Load(TestPaths.OpenStore()));

    public FaceModelData Data => Shared.Value;

    public string FaceXModelFolder => Path.Combine(TestPaths.IctFaceKit, IctFaceKitImporter.ModelFolder);
}
