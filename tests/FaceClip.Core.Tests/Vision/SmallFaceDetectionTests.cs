using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceClip.Core.Tests.Vision;

/// <summary>The detector's fine pass (<see cref="FaceDetector.FinePass"/>): faces of about 40 pixels in a large
/// grey-scale photo are found, photos whose faces the first pass finds keep face-api's result exactly.</summary>
[Collection(FacePipelineCollection.Name)]
public sealed class SmallFaceDetectionTests
{
    private const int CanvasWidth = 1280;
    private const int CanvasHeight = 960;
    private static readonly Rectangle Placed = new(420, 330, 436, 291);

    private readonly FacePipelineFixture _fx;

    public SmallFaceDetectionTests(FacePipelineFixture fx) => _fx = fx;

    /// <summary>sample1.jpg (faces of 180-200 pixels) in grey, shrunk 4.4 times so its faces are about 42 pixels, on a
    /// plain 1280 x 960 frame, encoded as a one-channel JPEG: a small face in a large grey-scale photo.</summary>
    private static FaceImage SmallGreyFacesInALargeFrame()
    {
        using var photo = Image.Load<Rgb24>(Path.Combine(TestPaths.SamplePhotos, "sample1.jpg"));
        photo.Mutate(x => x.Grayscale().Resize(Placed.Width, Placed.Height));
        using var canvas = new Image<Rgb24>(CanvasWidth, CanvasHeight, new Rgb24(118, 118, 118));
        canvas.Mutate(x => x.DrawImage(photo, new Point(Placed.X, Placed.Y), 1f));
        using var jpeg = new MemoryStream();
        canvas.SaveAsJpeg(jpeg, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 92 });
        return FaceImage.Decode(jpeg.ToArray(), "small-grey.jpg");
    }

    [Fact]
    public void FacesOfFortyPixelsInALargeGreyScalePhotoAreFound()
    {
        using var image = SmallGreyFacesInALargeFrame();
        Assert.Equal(image.Rgb[((500 * CanvasWidth) + 600) * 3], image.Rgb[(((500 * CanvasWidth) + 600) * 3) + 2]); // decoded as grey RGB

        var onePass = new FaceDetector(_fx.Pipeline.Detector.Net) { FinePass = false }.Detect(image);
        var faces = _fx.Pipeline.Detector.Detect(image);

        // face-api's single pass sees these faces at about 17 pixels and misses some; the fine pass finds the three.
        Assert.InRange(onePass.Count(d => Inside(d.Box)), 0, 2);
        Assert.Equal(3, faces.Count);
        Assert.All(faces, d =>
        {
            Assert.True(Inside(d.Box), $"a face at {d.Box} lies outside the photo's area {Placed}");
            Assert.InRange(Math.Min(d.Box.Width, d.Box.Height), 30, 70);
        });

        // Each is a face: the landmark net puts eyes above the mouth inside the box.
        var analysis = _fx.Pipeline.Analyse(image, expressions: false, descriptors: false);
        Assert.All(analysis.Faces, f => Assert.True(f.Landmarks[36].Y < f.Landmarks[57].Y && f.Landmarks[45].Y < f.Landmarks[57].Y));
    }

    [Fact]
    public void APhotoWhoseFacesTheFirstPassFindsKeepsFaceApisResult()
    {
        using var image = FaceImage.Load(Path.Combine(TestPaths.SamplePhotos, "sample1.jpg"));
        var onePass = new FaceDetector(_fx.Pipeline.Detector.Net) { FinePass = false }.Detect(image);
        Assert.Equal(onePass, _fx.Pipeline.Detector.Detect(image));
    }

    [Fact]
    public void TheFinePassLooksAtTheScaleWhereTheSmallestFaceMatchesTheSmallestAnchorWithinItsWindowBudget()
    {
        var detector = _fx.Pipeline.Detector;
        var finest = 0.1 * SsdMobileNetV1.InputSize / detector.SmallestFace; // 51.2 / 40 = 1.28
        Assert.Equal([finest, finest / 2], detector.FineScales(1920, 1280));
        Assert.Equal([finest], detector.FineScales(1024, 817));
        Assert.Empty(detector.FineScales(400, 300)); // the first pass already ran at 1.28
        var phone = detector.FineScales(4000, 3000);
        Assert.NotEmpty(phone);
        Assert.True(phone[0] < finest, "a 12-megapixel photo is searched at coarser scales within the window budget");
    }

    [Fact]
    public void TheFitAcceptsEveryFaceTheDetectorIsBuiltToFind()
    {
        Assert.Equal(_fx.Pipeline.Detector.SmallestFace, new FaceClip.Core.Reconstruction.ReconstructionOptions().MinimumFaceSize);
    }

    private static bool Inside(FaceBox box)
    {
        var (cx, cy) = (box.X + (box.Width / 2), box.Y + (box.Height / 2));
        return cx >= Placed.Left && cx <= Placed.Right && cy >= Placed.Top && cy <= Placed.Bottom;
    }
}
