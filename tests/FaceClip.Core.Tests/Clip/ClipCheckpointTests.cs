using System.IO.Compression;
using System.Text;
using FaceClip.Core.Clip;
using FaceClip.Core.IO;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Clip;

/// <summary>PyTorch archives (torch.save and TorchScript) read by the restricted unpickler.</summary>
public sealed class ClipCheckpointTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => ClipFixtureTests.Fixture(name);

    [Fact]
    public void TorchSaveStateDictLoadsIdenticallyToTheSafetensorsOne()
    {
        var fromPickle = ClipCheckpoint.ReadStateDict(Fixture("clip_tiny_rn_state_dict.pt"));
        var fromSafetensors = SafeTensors.Load(Fixture("clip_tiny_rn.safetensors"));
        Assert.Equal(fromSafetensors.Keys.Order(StringComparer.Ordinal), fromPickle.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, expected) in fromSafetensors)
        {
            var actual = fromPickle[key];
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.eq(actual).all().item<bool>(), key);
        }

        // And the model built from it computes the same features.
        var e = SafeTensors.Load(Fixture("clip_tiny_expected.safetensors"));
        using var model = ClipLoader.Load(Fixture("clip_tiny_rn_state_dict.pt"));
        using var _ = no_grad();
        var error = (model.EncodeImage(e["images_normalized"]) - e["rn_image_features"]).abs().max().item<float>();
        output.WriteLine($"rn_image_features from torch.save: max abs error {error:E2}");
        Assert.True(error < 1e-4);
    }

    [Fact]
    public void OpenAiStyleTorchScriptArchiveLoadsAndReproducesItsOutputs()
    {
        var e = SafeTensors.Load(Fixture("clip_tiny_rn_openai_jit_expected.safetensors"));
        using var model = ClipLoader.Load(Fixture("clip_tiny_rn_openai_jit.pt"));
        Assert.True(model.HasText);
        Assert.False(model.Config.IsVisionTransformer);
        Assert.Equal(new[] { 1, 1, 1, 1 }, model.Config.VisionLayers);
        Assert.Equal(64, model.Config.Text!.Width);
        Assert.Equal(1, model.Config.Text.Layers);
        using var _ = no_grad();
        var image = (model.EncodeImage(e["image"]) - e["image_features"]).abs().max().item<float>();
        var text = (model.EncodeText(e["tokens"]) - e["text_features"]).abs().max().item<float>();
        output.WriteLine($"TorchScript image_features max abs error {image:E2}, text_features {text:E2}");
        Assert.True(image < 1e-4, $"image {image}");
        Assert.True(text < 1e-4, $"text {text}");
    }

    [Fact]
    public void TorchScriptTensorsAreTheModulesParametersAndBuffers()
    {
        var tensors = ClipCheckpoint.ReadStateDict(Fixture("clip_tiny_rn_openai_jit.pt"));
        Assert.Contains("visual.layer1.0.bn1.running_var", tensors.Keys);
        Assert.Contains("transformer.resblocks.0.attn.in_proj_weight", tensors.Keys);
        Assert.Contains("token_embedding.weight", tensors.Keys);
        Assert.DoesNotContain(tensors.Keys, k => k.Contains("training", StringComparison.Ordinal));
    }

    [Fact]
    public void HalfPrecisionWeightsAreConvertedToFloat32()
    {
        var weights = SafeTensors.Load(Fixture("clip_tiny_rn.safetensors"));
        var half = weights.ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(ScalarType.Float16) : kv.Value);
        using var model = ClipModel.FromStateDict(half);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var e = SafeTensors.Load(Fixture("clip_tiny_expected.safetensors"));
        using var _ = no_grad();
        var error = (model.EncodeImage(e["images_normalized"]) - e["rn_image_features"]).abs().max().item<float>();
        Assert.InRange(error, 0, 5e-2); // rounded weights: close, not exact
    }

    [Fact]
    public void APickleThatCallsAnythingElseIsRefusedWithoutRunningIt()
    {
        // {"x": os.system("echo pwned")} as protocol 2 would write it.
        var pickle = new List<byte> { 0x80, 2 };
        pickle.AddRange(Encoding.ASCII.GetBytes("cos\nsystem\n"));
        pickle.AddRange([(byte)'X', 10, 0, 0, 0]);
        pickle.AddRange(Encoding.ASCII.GetBytes("echo pwned"));
        pickle.AddRange([0x85, (byte)'R', (byte)'.']);
        var path = WriteArchive("evil", pickle.ToArray());
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.ReadStateDict(path));
            Assert.Contains("os.system", ex.Message);
            Assert.Contains("does not allow", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FilesThatAreNeitherFormatAreRefusedClearly()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "this is not a checkpoint at all");
            var ex = Assert.Throws<InvalidDataException>(() => ClipLoader.Load(path));
            Assert.Contains("not a CLIP checkpoint", ex.Message);

            File.WriteAllBytes(path, [0x80, 2, (byte)'}', (byte)'.']);
            ex = Assert.Throws<InvalidDataException>(() => ClipLoader.Load(path));
            Assert.Contains("legacy", ex.Message);

            using (var zip = ZipFile.Open(path + ".zip", ZipArchiveMode.Create))
            {
                using var w = new StreamWriter(zip.CreateEntry("readme.txt").Open());
                w.Write("hello");
            }

            ex = Assert.Throws<InvalidDataException>(() => ClipLoader.Load(path + ".zip"));
            Assert.Contains("not a PyTorch archive", ex.Message);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".zip");
        }
    }

    [Fact]
    public void ASafetensorsFileOfAnotherModelIsRefusedNamingWhatIsMissing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"notclip-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["encoder.weight"] = zeros(3, 3) });
            var ex = Assert.Throws<InvalidDataException>(() => ClipLoader.Load(path));
            Assert.Contains("not a CLIP checkpoint", ex.Message);

            var weights = SafeTensors.Load(Fixture("clip_tiny_rn.safetensors"));
            weights.Remove("visual.layer3.0.conv2.weight");
            weights["visual.extra"] = zeros(2);
            SafeTensors.Save(path, weights);
            ex = Assert.Throws<InvalidDataException>(() => ClipLoader.Load(path));
            Assert.Contains("visual.layer3.0.conv2.weight", ex.Message);
            Assert.Contains("visual.extra", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OpenClipCheckpointsWithModulePrefixAndStateDictWrapperLoad()
    {
        var weights = SafeTensors.Load(Fixture("clip_tiny_vit.safetensors"));
        var renamed = weights.ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        renamed["module.transformer.resblocks.0.attn_mask"] = zeros(77, 77); // a constant some archives carry
        using var model = ClipModel.FromStateDict(renamed);
        Assert.True(model.HasText);
        var e = SafeTensors.Load(Fixture("clip_tiny_expected.safetensors"));
        using var _ = no_grad();
        Assert.True(model.EncodeText(e["text_tokens"]).allclose(e["vit_text_features"], rtol: 0, atol: 1e-4));
    }

    private static string WriteArchive(string name, byte[] dataPkl)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{name}-{Guid.NewGuid():N}.pt");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry($"{name}/data.pkl", CompressionLevel.NoCompression).Open())
        {
            s.Write(dataPkl);
        }

        using (var s = zip.CreateEntry($"{name}/version", CompressionLevel.NoCompression).Open())
        {
            s.Write("3\n"u8);
        }

        return path;
    }
}
