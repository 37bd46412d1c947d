using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using FaceClip.Core.Runtime;

namespace FaceClip.Core.Tests.Runtime;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("faceclip-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly byte[] Weights = Encoding.UTF8.GetBytes("weights of a tiny network\n");
    private static readonly string WeightsSha = Convert.ToHexStringLower(SHA256.HashData(Weights));

    private static ModelManifest TinyManifest(string? baseUrl = null, string? tarball = null, string sha = "") => new()
    {
        Assets =
        [
            new ModelAsset
            {
                Id = "tiny",
                Title = "Tiny test network",
                Purpose = "tests",
                License = "MIT",
                Homepage = "https://example.invalid/tiny",
                Required = true,
                Directory = "tiny",
                Source = new ModelAssetSource
                {
                    BaseUrl = baseUrl,
                    TarballUrl = tarball,
                    NpmPackage = tarball is null ? null : "tiny-pkg",
                    NpmVersion = tarball is null ? null : "1.0.0",
                    NpmSubdirectory = tarball is null ? null : "model",
                },
                Files = [new ModelAssetFile { Path = "net/weights.bin", Sha256 = sha.Length == 0 ? WeightsSha : sha, Size = Weights.Length }],
            },
        ],
    };

    private ModelStore Store(ModelManifest manifest, string? mirror = null) =>
        new(manifest, new ModelStoreOptions { Mirror = mirror }.ResolvedAgainst(_root));

    private void Write(string relative, byte[] content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    [Fact]
    public void FindsAnAssetInTheModelsDirectoryAndVerifiesIt()
    {
        Write("models/tiny/net/weights.bin", Weights);
        var status = Store(TinyManifest()).GetStatus("tiny");
        Assert.True(status.Found);
        Assert.True(status.Verified);
        Assert.Equal(AssetLocation.ModelsDirectory, status.Location);
        Assert.Equal(Path.Combine(_root, "models", "tiny", "net", "weights.bin"), status.PathOf("net/weights.bin"));
    }

    [Fact]
    public void FallsBackToTheMirrorWhenTheModelsDirectoryLacksTheAsset()
    {
        Write("mirror/tiny/net/weights.bin", Weights);
        var status = Store(TinyManifest(), mirror: Path.Combine(_root, "mirror")).GetStatus("tiny");
        Assert.Equal(AssetLocation.Mirror, status.Location);
        Assert.True(status.Found);
    }

    [Fact]
    public void FindsAnAssetInsideAnInstalledNpmPackage()
    {
        Write("node_modules/tiny-pkg/model/net/weights.bin", Weights);
        var status = Store(TinyManifest(tarball: "http://127.0.0.1:1/none.tgz")).GetStatus("tiny");
        Assert.Equal(AssetLocation.NpmPackage, status.Location);
    }

    [Fact]
    public void RefusesAFileWhoseChecksumDiffersAndSaysWhy()
    {
        Write("models/tiny/net/weights.bin", Encoding.UTF8.GetBytes("tampered"));
        var store = Store(TinyManifest());
        var status = store.GetStatus("tiny");
        Assert.False(status.Found);
        Assert.Contains("checksum mismatch", status.Problem);
        var ex = Assert.Throws<ModelAssetException>(() => store.Require("tiny"));
        Assert.Contains("failed its check", ex.Message);
    }

    [Fact]
    public void AChangedFileIsHashedAgainRatherThanTrustedFromTheCache()
    {
        Write("models/tiny/net/weights.bin", Weights);
        Assert.True(Store(TinyManifest()).GetStatus("tiny").Found);
        var path = Path.Combine(_root, "models/tiny/net/weights.bin");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes("weights of a tiny networK\n"));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.False(Store(TinyManifest()).GetStatus("tiny").Found);
    }

    [Fact]
    public void AMissingRequiredAssetNamesTheCommandThatFixesIt()
    {
        var ex = Assert.Throws<ModelAssetException>(() => Store(TinyManifest()).Require("tiny"));
        Assert.Contains("faceclip models fetch tiny", ex.Message);
        Assert.Contains("is not installed", ex.Message);
        Assert.Equal("tiny", ex.AssetId);
    }

    [Fact]
    public async Task OurOwnAssetIsNeverDownloaded_ItsErrorsNameWhereItShipsAndTheCommandThatMakesIt()
    {
        var own = TinyManifest() with
        {
            Assets = [TinyManifest().Assets[0] with { Source = new ModelAssetSource { Build = "faceclip models build-tiny" } }],
        };
        var store = Store(own);
        var missing = Assert.Throws<ModelAssetException>(() => store.Require("tiny"));
        Assert.Contains("git checkout -- models/tiny", missing.Message);
        Assert.Contains("`faceclip models build-tiny`", missing.Message);
        Assert.DoesNotContain("models fetch", missing.Message);
        var fetch = await Assert.ThrowsAsync<ModelAssetException>(() => store.FetchAsync("tiny"));
        Assert.Contains("`faceclip models build-tiny`", fetch.Message);
        Assert.False(File.Exists(Path.Combine(_root, "models/tiny/net/weights.bin")));

        // A mirror that holds it is imported as any asset is.
        Write("mirror/tiny/net/weights.bin", Weights);
        var mirrored = Store(own, mirror: Path.Combine(_root, "mirror"));
        Assert.Equal(AssetLocation.ModelsDirectory, (await mirrored.FetchAsync("tiny")).Location);
    }

    [Fact]
    public async Task FetchImportsFromTheMirrorIntoTheModelsDirectory()
    {
        Write("mirror/tiny/net/weights.bin", Weights);
        var store = Store(TinyManifest(baseUrl: "http://127.0.0.1:1/unreachable/"), mirror: Path.Combine(_root, "mirror"));
        Assert.Equal(AssetLocation.Mirror, store.GetStatus("tiny").Location);

        var status = await store.FetchAsync("tiny");

        Assert.Equal(AssetLocation.ModelsDirectory, status.Location);
        Assert.Equal(Weights, File.ReadAllBytes(Path.Combine(_root, "models/tiny/net/weights.bin")));
        Assert.Equal(AssetLocation.ModelsDirectory, (await store.FetchAsync("tiny")).Location);
    }

    [Fact]
    public async Task DownloadsFromTheSourceUrlOnALocalServerAndVerifies()
    {
        using var server = new LoopbackFileServer(new Dictionary<string, byte[]> { ["/files/net/weights.bin"] = Weights });
        var store = Store(TinyManifest(baseUrl: server.BaseUrl + "files/"));
        var reports = new List<FetchProgress>();
        var status = await store.FetchAsync("tiny", new SynchronousProgress<FetchProgress>(reports.Add));
        Assert.True(status.Found);
        Assert.Equal(AssetLocation.ModelsDirectory, status.Location);
        Assert.Equal(Weights, File.ReadAllBytes(status.PathOf("net/weights.bin")));
        Assert.Equal(Weights.Length, reports[^1].Bytes);
        Assert.Equal(["/files/net/weights.bin"], server.Requests);
    }

    [Fact]
    public async Task ADownloadWithTheWrongChecksumIsRefusedAndLeavesNothingBehind()
    {
        using var server = new LoopbackFileServer(new Dictionary<string, byte[]> { ["/files/net/weights.bin"] = Encoding.UTF8.GetBytes("evil") });
        var store = Store(TinyManifest(baseUrl: server.BaseUrl + "files/"));
        var ex = await Assert.ThrowsAsync<ModelAssetException>(() => store.FetchAsync("tiny"));
        Assert.Contains("checksum mismatch", ex.Message);
        var folder = Path.Combine(_root, "models", "tiny", "net");
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder) : []);
    }

    [Fact]
    public async Task AnHttpErrorIsReportedWithTheUrl()
    {
        using var server = new LoopbackFileServer(new Dictionary<string, byte[]>());
        var store = Store(TinyManifest(baseUrl: server.BaseUrl + "files/"));
        var ex = await Assert.ThrowsAsync<ModelAssetException>(() => store.FetchAsync("tiny"));
        Assert.Contains("HTTP 404", ex.Message);
        Assert.Contains(server.BaseUrl, ex.Message);
    }

    [Fact]
    public async Task DownloadsAndUnpacksAnNpmTarballWhenThePackageIsNotInstalled()
    {
        var tarball = new MemoryStream();
        await using (var gzip = new GZipStream(tarball, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip))
        {
            foreach (var (name, data) in new[] { ("package/README.md", "readme"u8.ToArray()), ("package/model/net/weights.bin", Weights) })
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
                await tar.WriteEntryAsync(entry);
            }
        }

        using var server = new LoopbackFileServer(new Dictionary<string, byte[]> { ["/tiny-pkg-1.0.0.tgz"] = tarball.ToArray() });
        var store = Store(TinyManifest(tarball: server.BaseUrl + "tiny-pkg-1.0.0.tgz"));
        var status = await store.FetchAsync("tiny");
        Assert.Equal(AssetLocation.ModelsDirectory, status.Location);
        Assert.Equal(Weights, File.ReadAllBytes(status.PathOf("net/weights.bin")));
    }

    [Fact]
    public void TheRealManifestResolvesTheFaceModelFromTheMirrorAndTheFaceNetworksFromNpm()
    {
        var store = TestPaths.OpenStore();
        var ict = store.Require("ict-facekit");
        Assert.True(ict.Verified);
        Assert.True(File.Exists(ict.PathOf("FaceXModel/generic_neutral_mesh.obj")));
        Assert.Equal(AssetLocation.NpmPackage, store.Require("face-api").Location);
        Assert.All(store.Manifest.Assets.Where(a => a.Required), a => Assert.True(store.GetStatus(a.Id).Found, a.Id));
    }

    [Fact]
    public void ObjChecksIgnoreLayoutButNotValues()
    {
        var a = Path.Combine(_root, "a.obj");
        var b = Path.Combine(_root, "b.obj");
        var c = Path.Combine(_root, "c.obj");
        File.WriteAllText(a, "# full file\nv 1 2 3\nvt 0.5 0.5\nv 4.0 5 6\nf 1/1 2/1 1/1\n");
        File.WriteAllText(b, "v 1.0 2.0 3.0\r\nv 4 5 6.000\r\n");
        File.WriteAllText(c, "v 1 2 3\nv 4 5 6.001\n");
        Assert.Equal(FileVerifier.ComputeSha256(a, FileCheck.ObjVertices), FileVerifier.ComputeSha256(b, FileCheck.ObjVertices));
        Assert.NotEqual(FileVerifier.ComputeSha256(a, FileCheck.ObjVertices), FileVerifier.ComputeSha256(c, FileCheck.ObjVertices));
        Assert.NotEqual(FileVerifier.ComputeSha256(a, FileCheck.ObjMesh), FileVerifier.ComputeSha256(b, FileCheck.ObjMesh));
    }

    [Fact]
    public void ManifestRejectsPathsThatLeaveTheAssetFolder()
    {
        var json = """{"assets":[{"id":"x","title":"x","purpose":"x","license":"x","homepage":"x","directory":"x","source":{},"files":[{"path":"../escape.bin"}]}]}""";
        var ex = Assert.Throws<InvalidDataException>(() => ModelManifest.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.Contains("relative path inside the asset", ex.Message);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
