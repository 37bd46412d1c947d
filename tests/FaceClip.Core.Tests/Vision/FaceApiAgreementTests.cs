using FaceClip.Core.Vision;
using Xunit.Abstractions;

namespace FaceClip.Core.Tests.Vision;

/// <summary>Our TorchSharp port against face-api itself (reference JSON from tools/face-api-reference/reference.mjs).</summary>
[Collection(FacePipelineCollection.Name)]
public sealed class FaceApiAgreementTests
{
    private readonly FacePipelineFixture _fx;
    private readonly ITestOutputHelper _out;

    public FaceApiAgreementTests(FacePipelineFixture fx, ITestOutputHelper output)
    {
        _fx = fx;
        _out = output;
    }

    private IEnumerable<(ReferenceImage Image, ReferenceFace Ref, DetectedFace Ours, double IoU)> Matches()
    {
        foreach (var img in _fx.Reference.Images)
        {
            var ours = _fx.Results[img.File].Faces;
            foreach (var r in img.Faces)
            {
                var refBox = new FaceBox(r.X, r.Y, r.Width, r.Height);
                var best = ours.OrderByDescending(o => o.Box.IoU(refBox)).FirstOrDefault();
                yield return (img, r, best!, best is null ? 0 : best.Box.IoU(refBox));
            }
        }
    }

    [Fact]
    public void ReferenceWasComputedOnExactlyThePixelsWeDecode()
    {
        foreach (var img in _fx.Reference.Images)
        {
            var (w, h, rgb) = _fx.Images[img.File];
            Assert.Equal((img.Width, img.Height), (w, h));
            Assert.Equal(img.RgbSha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(rgb)));
            _out.WriteLine($"{img.File}: jpeg-js would differ from ImageSharp by {img.JpegJsMeanAbsDiff} levels on average");
        }
    }

    [Fact]
    public void EveryFaceIsFoundByBothWithBoxIoUAbovePoint9()
    {
        foreach (var img in _fx.Reference.Images)
        {
            Assert.Equal(img.Faces.Count, _fx.Results[img.File].Faces.Count);
        }

        var worst = Matches().Min(m => m.IoU);
        var worstScore = Matches().Max(m => Math.Abs(m.Ours.Score - m.Ref.Score));
        _out.WriteLine($"faces: {Matches().Count()}, worst IoU: {worst:F5}, worst score difference: {worstScore:F5}");
        Assert.True(worst > 0.9, $"worst IoU {worst}");
    }

    [Fact]
    public void TinyDetectorFindsTheSameFacesAsFaceApisTinyDetector()
    {
        var worst = 1.0;
        var worstScore = 0.0;
        var count = 0;
        foreach (var img in _fx.Reference.Images)
        {
            using var image = FaceImage.FromRgb(_fx.Images[img.File].Rgb, img.Width, img.Height);
            var ours = _fx.Pipeline.TinyDetector.Detect(image);
            Assert.Equal(img.TinyFaces.Length, ours.Count);
            foreach (var r in img.TinyFaces)
            {
                var box = new FaceBox(r.X, r.Y, r.Width, r.Height);
                var best = ours.MaxBy(o => o.Box.IoU(box));
                worst = Math.Min(worst, best.Box.IoU(box));
                worstScore = Math.Max(worstScore, Math.Abs(best.Score - r.Score));
                count++;
            }
        }

        _out.WriteLine($"tiny detector: {count} faces, worst IoU {worst:F5}, worst score difference {worstScore:F5}");
        Assert.True(worst > 0.9, $"worst IoU {worst}");
    }

    [Fact]
    public void LandmarksAgreeWithinOnePercentOfTheBoxSize()
    {
        var worst = 0.0;
        foreach (var (_, r, ours, _) in Matches())
        {
            var size = Math.Max(r.Width, r.Height);
            for (var i = 0; i < 68; i++)
            {
                var e = Math.Sqrt(Math.Pow(ours.Landmarks[i].X - r.Landmarks[i].X, 2) + Math.Pow(ours.Landmarks[i].Y - r.Landmarks[i].Y, 2)) / size;
                worst = Math.Max(worst, e);
            }

        }

        _out.WriteLine($"worst landmark error: {worst * 100:F4}% of the box size");
        Assert.True(worst < 0.01, $"worst landmark error {worst * 100}% of the box size");
    }

    [Fact]
    public void DescriptorsHaveCosineAbovePoint995()
    {
        var worst = Matches().Min(m => Core.Evaluation.Statistics.Cosine(m.Ours.Descriptor, m.Ref.Descriptor));
        _out.WriteLine($"worst descriptor cosine: {worst:F6}");
        Assert.True(worst > 0.995, $"worst cosine {worst}");
    }

    [Fact]
    public void ExpressionProbabilitiesAgreeWithinPoint02()
    {
        var worst = Matches().Max(m => m.Ref.Expressions.Select((p, i) => Math.Abs(p - m.Ours.Expressions.Probabilities[i])).Max());
        _out.WriteLine($"worst expression probability difference: {worst:F5}");
        Assert.True(worst < 0.02, $"worst expression difference {worst}");
    }

    [Fact]
    public void DescriptorsSeparateDifferentPeopleFromTheSamePerson()
    {
        // Sanity on the science, not on face-api: a face's descriptor is nearer to itself re-run than to any other face.
        var all = _fx.Results.Values.SelectMany(r => r.Faces).ToList();
        Assert.True(all.Count >= 10);
        foreach (var a in all)
        {
            Assert.InRange(Norm(a.Descriptor), 0.1, 10);
        }

        var minDistance = double.MaxValue;
        for (var i = 0; i < all.Count; i++)
        {
            for (var j = i + 1; j < all.Count; j++)
            {
                minDistance = Math.Min(minDistance, Distance(all[i].Descriptor, all[j].Descriptor));
            }
        }

        _out.WriteLine($"smallest euclidean distance between two detected faces: {minDistance:F4}");
        Assert.True(minDistance > 0.05);
    }

    private static double Norm(float[] a) => Math.Sqrt(a.Sum(v => (double)v * v));

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Select((v, i) => Math.Pow(v - b[i], 2)).Sum());
}
