using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Vision;

/// <summary>Loads the pipeline once and analyses the six sample photos once for all reference tests.</summary>
public sealed class FacePipelineFixture : IDisposable
{
    public FacePipelineFixture()
    {
        Pipeline = FacePipeline.Load(TestPaths.OpenStore());
        Reference = FaceApiReference.Load();
        foreach (var img in Reference.Images)
        {
            using var image = FaceImage.Load(Path.Combine(TestPaths.SamplePhotos, img.File));
            Images[img.File] = (image.Width, image.Height, image.Rgb);
            Results[img.File] = Pipeline.Analyse(image);
        }
    }

    public FacePipeline Pipeline { get; }

    public FaceApiReference Reference { get; }

    public Dictionary<string, FaceAnalysis> Results { get; } = new();

    public Dictionary<string, (int Width, int Height, byte[] Rgb)> Images { get; } = new();

    public void Dispose() => Pipeline.Dispose();
}
