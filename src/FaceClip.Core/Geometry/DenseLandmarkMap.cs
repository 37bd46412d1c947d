using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceClip.Core.Geometry;

/// <summary>One dense landmark's place on the face model's surface: a point inside a triangle (three vertex indices and
/// barycentric weights), whether it is a silhouette point (it slides along the contour as the head turns), and how
/// consistently the renders it was learnt from put it there.</summary>
public sealed record DenseLandmarkPoint(
    [property: JsonPropertyName("vertices")] int[] Vertices,
    [property: JsonPropertyName("weights")] float[] Weights,
    [property: JsonPropertyName("contour")] bool Contour,
    [property: JsonPropertyName("samples")] int Samples,
    [property: JsonPropertyName("spreadMm")] double SpreadMm);

/// <summary>
/// Where MediaPipe's 468 Face Mesh points and the two iris centres lie on the face model: learnt from photographs of
/// the model with known geometry (<c>faceclip models build-dense-map</c>, docs/dense-landmarks.md), not drawn by hand.
/// Points 0-467 are Face Mesh's; 468 and 469 the left and right iris centres. Vertex indices are those of the full
/// imported model (<see cref="FaceModelData"/> of the ICT-FaceKit asset, <see cref="ModelKey"/>).
/// </summary>
public sealed record DenseLandmarkMap(
    [property: JsonPropertyName("about")] string About,
    [property: JsonPropertyName("modelKey")] string ModelKey,
    [property: JsonPropertyName("renders")] int Renders,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("points")] IReadOnlyList<DenseLandmarkPoint> Points)
{
    /// <summary>Face Mesh points and the iris centres.</summary>
    public const int PointCount = 470;

    /// <summary>The index of the left iris centre (the right's is one more).</summary>
    public const int IrisCentre = 468;

    /// <summary>The name of the map shipped in the Core assembly.</summary>
    public const string ResourceName = "FaceClip.Core.Geometry.dense-ict-map.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>MediaPipe's face oval (FACEMESH_FACE_OVAL): the silhouette points, marked <see cref="DenseLandmarkPoint.Contour"/>.</summary>
    public static IReadOnlyList<int> FaceOval { get; } =
    [
        10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
        172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
    ];

    private static readonly Lazy<DenseLandmarkMap> ShippedMap = new(ReadShipped);

    /// <summary>The map shipped with FaceClip, read from the assembly once.</summary>
    public static DenseLandmarkMap Shipped() => ShippedMap.Value;

    private static DenseLandmarkMap ReadShipped()
    {
        using var stream = typeof(DenseLandmarkMap).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The assembly does not carry {ResourceName}.");
        return Read(stream, ResourceName);
    }

    public static DenseLandmarkMap Read(Stream stream, string name)
    {
        var map = JsonSerializer.Deserialize<DenseLandmarkMap>(stream, Json) ?? throw new InvalidDataException($"{name}: empty.");
        map.Validate(name);
        return map;
    }

    public void Write(string path)
    {
        Validate(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    /// <summary>The model-space position of each point for vertices <paramref name="vertices"/> (V*3).</summary>
    public float[] Positions(float[] vertices)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        var result = new float[Points.Count * 3];
        for (var i = 0; i < Points.Count; i++)
        {
            var p = Points[i];
            for (var c = 0; c < 3; c++)
            {
                for (var k = 0; k < 3; k++)
                {
                    result[(i * 3) + k] += p.Weights[c] * vertices[(p.Vertices[c] * 3) + k];
                }
            }
        }

        return result;
    }

    private void Validate(string name)
    {
        if (Points is null || Points.Count != PointCount)
        {
            throw new InvalidDataException($"{name}: {PointCount} points expected, found {Points?.Count ?? 0}.");
        }

        for (var i = 0; i < Points.Count; i++)
        {
            var p = Points[i];
            if (p.Vertices is not { Length: 3 } || p.Weights is not { Length: 3 } || p.Weights.Any(w => w < -1e-4f) || Math.Abs(p.Weights.Sum() - 1) > 1e-3)
            {
                throw new InvalidDataException($"{name}: point {i} is not a point inside a triangle (three vertices, weights >= 0 summing to 1).");
            }
        }
    }
}
