using FaceClip.Core.IO;
using TorchSharp;

namespace FaceClip.Core.Tests.IO;

public sealed class SafeTensorsTests
{
    [Fact]
    public void ReadsTheReferenceImplementationsFile()
    {
        var tensors = SafeTensors.Load(Path.Combine(TestPaths.ClipFixtures, "clip_tiny_expected.safetensors"));
        var images = tensors["images_01"];
        Assert.Equal(new long[] { 2, 3, 64, 64 }, images.shape);
        Assert.Equal(torch.ScalarType.Float32, images.dtype);
        Assert.InRange(images.min().item<float>(), 0f, 1f);
        Assert.InRange(images.max().item<float>(), 0f, 1f);
        Assert.Equal(torch.ScalarType.Int64, tensors["text_tokens"].dtype);
        Assert.Equal(49406L, tensors["text_tokens"][0, 0].item<long>()); // <start_of_text>

        // The normalised images are the raw ones after CLIP's mean/std, channel 0.
        var expected = (images[.., 0] - 0.48145466f) / 0.26862954f;
        Assert.True(torch.allclose(expected, tensors["images_normalized"][.., 0], rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void SaveThenLoadRoundTripsDtypesShapesValuesAndMetadata()
    {
        var path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var generator = new torch.Generator(1);
            var source = new Dictionary<string, torch.Tensor>
            {
                ["a"] = torch.randn(3, 4, generator: generator),
                ["b"] = torch.arange(10, dtype: torch.int64).reshape(2, 5),
                ["h"] = torch.randn(7, generator: generator).to(torch.float16),
                ["empty"] = torch.zeros(0, 3),
            };
            SafeTensors.Save(path, source, new Dictionary<string, string> { ["source"] = "test" });
            var loaded = SafeTensors.Load(path, out var metadata);
            Assert.Equal("test", metadata["source"]);
            foreach (var (name, tensor) in source)
            {
                Assert.Equal(tensor.dtype, loaded[name].dtype);
                Assert.Equal(tensor.shape, loaded[name].shape);
                Assert.True(tensor.eq(loaded[name]).all().item<bool>(), name);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RejectsAFileThatIsNotSafetensors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, "PK\u0003\u0004 this is a zip, not safetensors"u8.ToArray());
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
            Assert.Contains("not a safetensors file", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
