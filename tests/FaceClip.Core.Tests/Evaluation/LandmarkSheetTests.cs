using FaceClip.Core.Evaluation;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class LandmarkSheetTests
{
    [Fact]
    public void ATileShowsTheThreeLandmarkSetsInTheirColoursAndFramesAFaceNotFound()
    {
        var annotation = new AnnotatedFace(AnnotationMatcherTests.Square(100, 100, 50), null);
        var detector = annotation.Landmarks.Select(p => (p.X + 4, p.Y)).ToArray();
        var fit = annotation.Landmarks.Select(p => (p.X, p.Y + 4)).ToArray();
        var found = new LandmarkFaceResult("a.jpg", ".", 0, annotation, 0, detector, fit, null, 1);
        using (var tile = LandmarkSheet.Tile(null, found, 96))
        {
            var colours = Pixels(tile);
            Assert.Contains(LandmarkSheet.AnnotationColour, colours);
            Assert.Contains(LandmarkSheet.DetectorColour, colours);
            Assert.Contains(LandmarkSheet.FitColour, colours);
            Assert.NotEqual(LandmarkSheet.NotFoundFrame, tile[0, 0]);
        }

        using var missing = LandmarkSheet.Tile(null, found with { DetectorLandmarks = null, FitLandmarks = null, Problem = "no face" }, 96);
        Assert.Equal(LandmarkSheet.NotFoundFrame, missing[0, 0]);
        Assert.DoesNotContain(LandmarkSheet.DetectorColour, Pixels(missing));
    }

    private static HashSet<SixLabors.ImageSharp.PixelFormats.Rgb24> Pixels(SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image)
    {
        var set = new HashSet<SixLabors.ImageSharp.PixelFormats.Rgb24>();
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                set.Add(image[x, y]);
            }
        }

        return set;
    }
}
