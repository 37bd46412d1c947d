using System.Text.Json;

namespace FaceClip.Core.Tests.Vision;

/// <summary>The committed output of tools/face-api-reference/reference.mjs (face-api itself, node-wasm).</summary>
public sealed class FaceApiReference
{
    public static string PathOnDisk => Path.Combine(TestPaths.RepositoryRoot, "tests", "FaceClip.Core.Tests", "Vision", "Reference", "face-api-reference.json");

    public required IReadOnlyList<ReferenceImage> Images { get; init; }

    public static FaceApiReference Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(PathOnDisk));
        var images = new List<ReferenceImage>();
        foreach (var img in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            var faces = new List<ReferenceFace>();
            foreach (var f in img.GetProperty("faces").EnumerateArray())
            {
                var box = f.GetProperty("box");
                faces.Add(new ReferenceFace(
                    f.GetProperty("score").GetDouble(),
                    box.GetProperty("x").GetDouble(),
                    box.GetProperty("y").GetDouble(),
                    box.GetProperty("width").GetDouble(),
                    box.GetProperty("height").GetDouble(),
                    f.GetProperty("landmarks").EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToArray(),
                    f.GetProperty("descriptor").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
                    f.GetProperty("expressions").EnumerateArray().Select(v => v.GetSingle()).ToArray()));
            }

            var tiny = img.GetProperty("tinyFaces").EnumerateArray().Select(f =>
            {
                var b = f.GetProperty("box");
                return (f.GetProperty("score").GetDouble(), b.GetProperty("x").GetDouble(), b.GetProperty("y").GetDouble(), b.GetProperty("width").GetDouble(), b.GetProperty("height").GetDouble());
            }).ToArray();
            images.Add(new ReferenceImage(
                img.GetProperty("file").GetString()!,
                img.GetProperty("width").GetInt32(),
                img.GetProperty("height").GetInt32(),
                img.GetProperty("rgbSha256").GetString()!,
                img.TryGetProperty("jpegJs", out var j) && j.ValueKind == JsonValueKind.Object ? j.GetProperty("meanAbsDiff").GetDouble() : double.NaN,
                faces,
                tiny));
        }

        return new FaceApiReference { Images = images };
    }
}

public sealed record ReferenceImage(string File, int Width, int Height, string RgbSha256, double JpegJsMeanAbsDiff, IReadOnlyList<ReferenceFace> Faces,
    (double Score, double X, double Y, double Width, double Height)[] TinyFaces);

public sealed record ReferenceFace(
    double Score,
    double X,
    double Y,
    double Width,
    double Height,
    (double X, double Y)[] Landmarks,
    float[] Descriptor,
    float[] Expressions);
