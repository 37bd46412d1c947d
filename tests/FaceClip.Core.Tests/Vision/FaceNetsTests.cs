using FaceClip.Core.Vision;
using TorchSharp;

namespace FaceClip.Core.Tests.Vision;

/// <summary>The recognition and expression nets as losses: batched, differentiable in the image, device-movable.</summary>
[Collection(FacePipelineCollection.Name)]
public sealed class FaceNetsTests
{
    private readonly FacePipelineFixture _fx;

    public FaceNetsTests(FacePipelineFixture fx) => _fx = fx;

    /// <summary>Two aligned 150 x 150 crops in [0, 1] from sample1.</summary>
    private torch.Tensor TwoCrops()
    {
        using var image = Decoded("sample1.jpg");
        var faces = _fx.Results["sample1.jpg"].Faces;
        return torch.cat(faces.Take(2).Select(f => FaceAligner.Crop(image, f, 150, 0.2).Crop).ToArray(), 0);
    }

    [Fact]
    public void RecognitionDescriptorsAreBatchedAndDifferentiableInTheImage()
    {
        using var scope = torch.NewDisposeScope();
        var crops = TwoCrops().requires_grad_(true);
        var net = _fx.Pipeline.RecognitionNet;
        var batch = net.Descriptors(crops);
        Assert.Equal(new long[] { 2, 128 }, batch.shape);
        var single = net.Descriptors(crops.detach()[1..2]);
        Assert.True((batch[1] - single[0]).abs().max().item<float>() < 1e-4f);

        // identity loss of both crops against the first face: zero for itself, positive for the other person;
        // the gradient reaches every image of the batch, finite and non-zero
        var perItem = net.IdentityLoss(crops, batch[0..1].detach());
        Assert.True(perItem[0].item<float>() < 1e-5f);
        Assert.True(perItem[1].item<float>() > 0.01f);
        var loss = perItem.sum() + (1 - torch.nn.functional.cosine_similarity(batch[0..1], batch[1..2]).sum());
        loss.backward();
        var g = crops.grad!;
        Assert.True(g.isfinite().all().item<bool>());
        Assert.True(g[0].abs().sum().item<float>() > 0);
        Assert.True(g[1].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void RecognitionFeatureMapsHaveTheDocumentedShapesAndAnySizeInputIsResized()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var crops = TwoCrops();
        var (d, features) = _fx.Pipeline.RecognitionNet.ForwardWithFeatures(crops);
        Assert.Equal(new long[] { 2, 128 }, d.shape);
        Assert.Equal(new[] { "2x32x35x35", "2x32x35x35", "2x64x17x17", "2x128x8x8", "2x256x4x4", "2x256x2x2" }, features.Select(f => string.Join("x", f.shape)).ToArray());
        var big = torch.nn.functional.interpolate(crops, new long[] { 224, 224 }, mode: torch.InterpolationMode.Bilinear);
        var cos = torch.nn.functional.cosine_similarity(_fx.Pipeline.RecognitionNet.Descriptors(big), d);
        Assert.True(cos.min().item<float>() > 0.98f, $"cosine after a 150->224 resize round trip {cos.min().item<float>()}");
    }

    [Fact]
    public void ExpressionProbabilitiesSumToOneAndBackpropagate()
    {
        using var scope = torch.NewDisposeScope();
        var crops = TwoCrops().requires_grad_(true);
        var p = _fx.Pipeline.ExpressionNet.Probabilities(crops);
        Assert.Equal(new long[] { 2, 7 }, p.shape);
        Assert.True((p.sum(1) - 1).abs().max().item<float>() < 1e-5f);
        // push towards "surprised"
        (-p[.., FaceExpressions.IndexOf("surprised")].log().sum()).backward();
        Assert.True(crops.grad!.abs().sum().item<float>() > 0);
        var (logits, blocks) = _fx.Pipeline.ExpressionNet.ForwardWithFeatures(crops.detach());
        Assert.Equal(new long[] { 2, 7 }, logits.shape);
        Assert.Equal(4, blocks.Count);
    }

    [Fact]
    public void ConstantsAreRegisteredBuffersSoTheNetsMoveWithTo()
    {
        Assert.Contains(_fx.Pipeline.RecognitionNet.named_buffers(), b => b.name == "mean");
        Assert.Contains(_fx.Pipeline.Detector.Net.named_buffers(), b => b.name == "anchors");
        Assert.All(_fx.Pipeline.RecognitionNet.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void AlignedCropPutsTheFivePointsOnTheTemplate()
    {
        using var scope = torch.NewDisposeScope();
        using var image = Decoded("sample2.jpg");
        foreach (var face in _fx.Results["sample2.jpg"].Faces)
        {
            var (crop, m) = FaceAligner.Crop(image, face, 112);
            Assert.Equal(new long[] { 1, 3, 112, 112 }, crop.shape);
            Assert.InRange(crop.min().item<float>(), 0f, 1f);
            Assert.InRange(crop.max().item<float>(), 0.5f, 1.001f);
            var five = FaceAligner.FivePoints(face.Landmarks);
            var err = five.Select(p => FaceAligner.Apply(m, p.X, p.Y))
                .Select((q, i) => Math.Sqrt(Math.Pow(q.X - FaceAligner.Template112[i].X, 2) + Math.Pow(q.Y - FaceAligner.Template112[i].Y, 2)))
                .Average();
            Assert.True(err < 10, $"mean alignment residual {err} px on a 112 crop");

            // the warp samples where the transform says: the crop pixel at a mapped landmark equals the image pixel there
            var (nx, ny) = FaceAligner.Apply(m, face.Landmarks[30].X, face.Landmarks[30].Y);
            var fromCrop = crop[0, .., (long)Math.Round(ny), (long)Math.Round(nx)] * 255;
            var (ix, iy) = Inverse(m, Math.Round(nx), Math.Round(ny));
            var fromImage = image.Pixels[0, .., (long)Math.Round(iy), (long)Math.Round(ix)];
            Assert.True((fromCrop - fromImage).abs().max().item<float>() < 40, "warped pixel does not come from the mapped image position");
        }
    }

    [Fact]
    public void AlignedCropsKeepIdentityForMostFaces()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var all = _fx.Results.Values.SelectMany(r => r.Faces).ToList();
        var own = 0;
        foreach (var (file, result) in _fx.Results)
        {
            using var image = Decoded(file);
            foreach (var face in result.Faces)
            {
                var d = _fx.Pipeline.RecognitionNet.Descriptors(FaceAligner.Crop(image, face, 150, template112: FaceAligner.RecognitionTemplate112).Crop)[0].data<float>().ToArray();
                var nearest = all.OrderBy(o => Dist(d, o.Descriptor)).First();
                own += ReferenceEquals(nearest, face) ? 1 : 0;
            }
        }

        Console.WriteLine($"aligned crops whose nearest face-api descriptor is their own face: {own} of {all.Count}");
        Assert.True(own >= all.Count * 0.8, $"{own} of {all.Count}");
    }

    private FaceImage Decoded(string file)
    {
        var (w, h, rgb) = _fx.Images[file];
        return FaceImage.FromRgb(rgb, w, h);
    }

    private static double Dist(float[] a, float[] b) => Math.Sqrt(a.Select((v, i) => Math.Pow(v - b[i], 2)).Sum());

    private static (double X, double Y) Inverse(double[,] m, double u, double v)
    {
        var det = (m[0, 0] * m[1, 1]) - (m[0, 1] * m[1, 0]);
        var x = u - m[0, 2];
        var y = v - m[1, 2];
        return (((m[1, 1] * x) - (m[0, 1] * y)) / det, ((-m[1, 0] * x) + (m[0, 0] * y)) / det);
    }
}
