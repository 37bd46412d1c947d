using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

/// <summary>A fit given the faces its caller already found (the web job finds them to choose one) does not look again.</summary>
public sealed class FoundFacesTests
{
    [Fact]
    public async Task TheFitUsesTheFacesItIsGivenAndRefusesThoseOfAnotherImage()
    {
        using var reconstructor = Reconstructor.Load(TestPaths.OpenStore(), CPU);
        try
        {
            using var image = FaceImage.Load(Path.Combine(TestPaths.SamplePhotos, "sample1.jpg"));
            var analysis = reconstructor.Faces.Analyse(image, expressions: false, descriptors: false);
            Assert.True(analysis.Faces.Count >= 2, $"sample1 shows {analysis.Faces.Count} faces");
            var smaller = analysis.Faces.OrderBy(f => f.Box.Area).First();
            var options = new ReconstructionOptions { PoseIterations = 2, ShapeIterations = 0, Iterations = 2, PreviewEvery = 0, TextureSize = 64 };

            // Given only the smallest face, the fit fits it (by itself it would take the largest).
            ReconstructionResult? given = null;
            await foreach (var p in reconstructor.RunAsync(image, new FaceAnalysis(analysis.Width, analysis.Height, [smaller]), options))
            {
                given = p.Result ?? given;
            }

            using (var result = Assert.IsType<ReconstructionResult>(given))
            {
                Assert.Equal(0, result.FaceIndex);
                Assert.Equal(smaller.Box, result.FaceBox);
            }

            using (var largest = await reconstructor.ReconstructAsync(image, options))
            {
                Assert.Equal(analysis.Faces.MaxBy(f => f.Box.Area)!.Box, largest.FaceBox);
            }

            // Faces found in an image of another size are refused at once, and no faces is the fit's own error.
            var other = new FaceAnalysis(analysis.Width + 1, analysis.Height, analysis.Faces);
            Assert.Throws<ArgumentException>(() => reconstructor.RunAsync(image, other, options));
            var none = new FaceAnalysis(analysis.Width, analysis.Height, []);
            var error = await Assert.ThrowsAsync<ReconstructionException>(async () =>
            {
                await foreach (var _ in reconstructor.RunAsync(image, none, options))
                {
                }
            });
            Assert.Contains("No face", error.Message);
        }
        finally
        {
            reconstructor.Model.Dispose();
            reconstructor.Faces.Dispose();
        }
    }
}
