using FaceClip.Core.Runtime;

namespace FaceClip.Core.Tests;

/// <summary>Where the tests find the repository and the shared assets (<c>../shared</c> beside the checkout, or
/// <c>FACECLIP_SHARED</c>).</summary>
public static class TestPaths
{
    public static string RepositoryRoot => TestSupport.SharedAssets.RepositoryRoot;

    public static string Shared => TestSupport.SharedAssets.Root;

    public static string SharedModels => TestSupport.SharedAssets.Models;

    public static string ClipFixtures => Path.Combine(Shared, "fixtures", "clip-tiny");

    public static string IctFaceKit => Path.Combine(SharedModels, "ict-facekit");

    /// <summary>The installed npm packages (sample photos and face-api weights come from here).</summary>
    public static string NodeModules => Path.Combine(RepositoryRoot, "node_modules");

    public static string SamplePhotos => Path.Combine(NodeModules, "@vladmandic", "face-api", "demo");

    /// <summary>A model store over the real manifest, resolving from the shared mirror and node_modules.</summary>
    public static ModelStore OpenStore() =>
        ModelStore.Open(RepositoryRoot, new ModelStoreOptions { Mirror = SharedModels });
}
