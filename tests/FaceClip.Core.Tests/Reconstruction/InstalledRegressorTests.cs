using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

/// <summary>Which regressor fits start from: yours (<c>models/regressor.safetensors</c>), else the shipped asset
/// when it verifies, else none.</summary>
public sealed class InstalledRegressorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("faceclip-installed-regressor-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Shipped => Path.Combine(TestPaths.RepositoryRoot, "models", Reconstructor.RegressorAsset, Reconstructor.RegressorFileName);

    /// <summary>A product root holding the real manifest and, when asked, a copy of the shipped weights.</summary>
    private ModelStore Root(bool withShipped)
    {
        var models = Directory.CreateDirectory(Path.Combine(_root, "models")).FullName;
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "models", "manifest.json"), Path.Combine(models, "manifest.json"), overwrite: true);
        if (withShipped)
        {
            Directory.CreateDirectory(Path.Combine(models, Reconstructor.RegressorAsset));
            File.Copy(Shipped, Path.Combine(models, Reconstructor.RegressorAsset, Reconstructor.RegressorFileName), overwrite: true);
        }

        return ModelStore.Open(_root, new ModelStoreOptions { Mirror = TestPaths.SharedModels });
    }

    [Fact]
    public void TheShippedWeightsAreUsedUnlessYoursAreInstalled()
    {
        var store = Root(withShipped: true);
        var shipped = Path.Combine(store.ModelsDirectory, Reconstructor.RegressorAsset, Reconstructor.RegressorFileName);
        Assert.Equal(shipped, Reconstructor.InstalledRegressor(store));

        File.Copy(shipped, Reconstructor.RegressorPath(store));
        Assert.Equal(Reconstructor.RegressorPath(store), Reconstructor.InstalledRegressor(store));
    }

    [Fact]
    public void ShippedWeightsThatFailTheirCheckAreNotUsed()
    {
        var store = Root(withShipped: true);
        var shipped = Path.Combine(store.ModelsDirectory, Reconstructor.RegressorAsset, Reconstructor.RegressorFileName);
        using (var file = File.OpenWrite(shipped))
        {
            file.Seek(-1, SeekOrigin.End);
            file.WriteByte(0x5a);
        }

        Assert.Null(Reconstructor.InstalledRegressor(store));
        var ex = Assert.Throws<ModelAssetException>(() => store.Require(Reconstructor.RegressorAsset));
        Assert.Contains("checksum mismatch", ex.Message);
        Assert.Contains("faceclip models build-regressor", ex.Message);
    }

    [Fact]
    public void WithoutEitherTheFitStartsCold()
    {
        var store = Root(withShipped: false);
        Assert.Null(Reconstructor.InstalledRegressor(store));
        Assert.Contains("git checkout -- models/regressor", Assert.Throws<ModelAssetException>(() => store.Require(Reconstructor.RegressorAsset)).Message);
    }

    [Fact]
    public void TheCheckoutsReconstructorLoadsTheShippedRegressor()
    {
        using var reconstructor = Reconstructor.Load(TestPaths.OpenStore(), CPU);
        try
        {
            Assert.Equal(Path.GetFullPath(Shipped), Path.GetFullPath(reconstructor.RegressorFile!));
            Assert.NotNull(reconstructor.Regressor);
            using var scope = NewDisposeScope();
            reconstructor.Regressor!.eval();
            using var noGrad = no_grad();
            var codes = reconstructor.Regressor.forward(rand(1, 3, 224, 224));
            Assert.Equal(reconstructor.Model.Layout.Total, (int)codes.shape[1]);
            Assert.True(isfinite(codes).all().item<bool>());
        }
        finally
        {
            reconstructor.Model.Dispose();
            reconstructor.Faces.Dispose();
        }
    }
}
