using System.Text.Json;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Vision;

public sealed class TfjsWeightMapTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "faceclip-tfjs-" + Guid.NewGuid().ToString("N"));

    public TfjsWeightMapTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string FaceApiModel(string file) => TestPaths.OpenStore().Require("face-api").PathOf(file);

    [Fact]
    public void LoadsTheRecognitionManifestAndDequantisesUint8AsQTimesScalePlusMin()
    {
        var manifest = FaceApiModel("face_recognition_model-weights_manifest.json");
        var map = TfjsWeightMap.Load(manifest);
        Assert.Equal(117, map.Names.Count);
        Assert.Equal(new long[] { 7, 7, 3, 32 }, map.ShapeOf("conv32_down/conv/filters"));
        Assert.Equal(new long[] { 256, 128 }, map.ShapeOf("fc"));

        using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
        var first = doc.RootElement[0].GetProperty("weights")[0];
        var q = first.GetProperty("quantization");
        var scale = q.GetProperty("scale").GetDouble();
        var min = q.GetProperty("min").GetDouble();
        var bin = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(manifest)!, "face_recognition_model.bin"));
        var values = map.ValuesOf("conv32_down/conv/filters");
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal((float)((bin[i] * scale) + min), values[i]);
        }
    }

    [Fact]
    public void ReadsPlainAndQuantisedEntriesAcrossShardsInManifestOrder()
    {
        // group: a float32 [2], a uint8-quantised [3] (scale 0.5, min -1), split over two shards
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes(1.5f));
        bytes.AddRange(BitConverter.GetBytes(-2.25f));
        bytes.AddRange(new byte[] { 0, 2, 255 });
        File.WriteAllBytes(Path.Combine(_dir, "w.bin1"), bytes.Take(5).ToArray());
        File.WriteAllBytes(Path.Combine(_dir, "w.bin2"), bytes.Skip(5).ToArray());
        var manifest = Path.Combine(_dir, "m-weights_manifest.json");
        File.WriteAllText(manifest, """
            [{"paths":["w.bin1","w.bin2"],"weights":[
              {"name":"a","shape":[2],"dtype":"float32"},
              {"name":"b","shape":[1,3],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]
            """);
        var map = TfjsWeightMap.Load(manifest);
        Assert.Equal(new[] { 1.5f, -2.25f }, map.ValuesOf("a").ToArray());
        Assert.Equal(new[] { -1f, 0f, 126.5f }, map.ValuesOf("b").ToArray());
        using var t = map.Tensor("b");
        Assert.Equal(new long[] { 1, 3 }, t.shape);
    }

    [Fact]
    public void AShortShardOrAMissingShardIsAClearError()
    {
        File.WriteAllBytes(Path.Combine(_dir, "short.bin"), new byte[3]);
        var manifest = Path.Combine(_dir, "short-weights_manifest.json");
        File.WriteAllText(manifest, """[{"paths":["short.bin"],"weights":[{"name":"a","shape":[2],"dtype":"float32"}]}]""");
        var ex = Assert.Throws<InvalidDataException>(() => TfjsWeightMap.Load(manifest));
        Assert.Contains("'a'", ex.Message);

        var missing = Path.Combine(_dir, "missing-weights_manifest.json");
        File.WriteAllText(missing, """[{"paths":["nope.bin"],"weights":[{"name":"a","shape":[2],"dtype":"float32"}]}]""");
        Assert.Throws<FileNotFoundException>(() => TfjsWeightMap.Load(missing));
    }
}
