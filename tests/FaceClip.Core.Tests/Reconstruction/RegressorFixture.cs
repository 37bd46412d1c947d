using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Reconstruction;

/// <summary>One reconstructor and the sample photos' face crops (cached in a temporary folder) for the regressor tests.</summary>
public sealed class RegressorFixture : IDisposable
{
    public RegressorFixture()
    {
        var store = TestPaths.OpenStore();
        Reconstructor = new Reconstructor(FaceModel.Load(store), FacePipeline.Load(store));
        CacheDirectory = Directory.CreateTempSubdirectory("faceclip-regressor-").FullName;
        Files = FaceCropDataset.ImagesIn(TestPaths.SamplePhotos);
        Data = FaceCropDataset.Build(Reconstructor.Faces, Files, 224, 1.7, 48, CacheDirectory);
    }

    public Reconstructor Reconstructor { get; }

    public string CacheDirectory { get; }

    public IReadOnlyList<string> Files { get; }

    public FaceCropDataset Data { get; }

    public void Dispose()
    {
        Data.Dispose();
        Reconstructor.Model.Dispose();
        Reconstructor.Faces.Dispose();
        Reconstructor.Dispose();
        Directory.Delete(CacheDirectory, recursive: true);
    }
}
