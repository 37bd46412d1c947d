using System.Text.Json;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// A set of photos with 68 landmarks placed by people, read from a <c>landmarks68.json</c>: a top-level
/// <c>images</c> array, each entry with a <c>file</c> (relative to the JSON's folder) and <c>faces</c>, each face with
/// <c>landmarks</c> (68 [x, y] pairs in 0-based pixels) and <c>box</c> ([x, y, w, h] in the same pixels, or null).
/// Every other field (sources, licences, flags) is ignored.
/// </summary>
public sealed record LandmarkSet(string Folder, IReadOnlyList<AnnotatedImage> Images)
{
    /// <summary>The file name a set's annotations are read from.</summary>
    public const string FileName = "landmarks68.json";

    /// <summary>Points per face: the iBUG 300-W / Multi-PIE layout.</summary>
    public const int PointCount = 68;

    /// <summary>Number of annotated faces over all images.</summary>
    public int FaceCount => Images.Sum(i => i.Faces.Count);

    /// <summary>The full path of an image of the set.</summary>
    public string PathOf(AnnotatedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Path.GetFullPath(Path.Combine(Folder, image.File));
    }

    /// <summary>Reads a set from its JSON file, or from a folder holding <see cref="FileName"/>.</summary>
    /// <exception cref="FileNotFoundException">Neither the file nor the folder's <see cref="FileName"/> exists.</exception>
    /// <exception cref="InvalidDataException">The JSON is not of this form (the message says where).</exception>
    public static LandmarkSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"No landmark set at '{path}' (expected {FileName} there).", file);
        }

        return Parse(File.ReadAllText(file), Path.GetDirectoryName(Path.GetFullPath(file))!, file);
    }

    /// <summary>Parses the JSON text of a set whose images lie under <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidDataException">The JSON is not of this form (the message says where).</exception>
    public static LandmarkSet Parse(string json, string folder, string name = FileName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{name} is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("images", out var images) || images.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{name}: expected an object with an \"images\" array.");
            }

            var list = new List<AnnotatedImage>();
            var index = 0;
            foreach (var image in images.EnumerateArray())
            {
                list.Add(ReadImage(image, $"{name}: images[{index}]"));
                index++;
            }

            return new LandmarkSet(folder, list);
        }
    }

    private static AnnotatedImage ReadImage(JsonElement image, string where)
    {
        if (image.ValueKind != JsonValueKind.Object || !image.TryGetProperty("file", out var file) || file.ValueKind != JsonValueKind.String ||
            string.IsNullOrWhiteSpace(file.GetString()))
        {
            throw new InvalidDataException($"{where}: expected an object with a \"file\" string.");
        }

        var faces = new List<AnnotatedFace>();
        if (image.TryGetProperty("faces", out var array) && array.ValueKind != JsonValueKind.Null)
        {
            if (array.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{where}: \"faces\" must be an array.");
            }

            var f = 0;
            foreach (var face in array.EnumerateArray())
            {
                faces.Add(ReadFace(face, $"{where}.faces[{f}]"));
                f++;
            }
        }

        return new AnnotatedImage(file.GetString()!, faces);
    }

    private static AnnotatedFace ReadFace(JsonElement face, string where)
    {
        if (face.ValueKind != JsonValueKind.Object || !face.TryGetProperty("landmarks", out var landmarks) || landmarks.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{where}: expected an object with a \"landmarks\" array.");
        }

        var points = new List<(float X, float Y)>(PointCount);
        foreach (var point in landmarks.EnumerateArray())
        {
            var xy = Numbers(point, 2, $"{where}.landmarks[{points.Count}]");
            points.Add(((float)xy[0], (float)xy[1]));
        }

        if (points.Count != PointCount)
        {
            throw new InvalidDataException($"{where}: expected {PointCount} landmarks, found {points.Count}.");
        }

        FaceBox? box = null;
        if (face.TryGetProperty("box", out var b) && b.ValueKind != JsonValueKind.Null)
        {
            var v = Numbers(b, 4, $"{where}.box");
            box = new FaceBox(v[0], v[1], v[2], v[3]);
        }

        return new AnnotatedFace(points, box);
    }

    private static double[] Numbers(JsonElement element, int count, string where)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != count)
        {
            throw new InvalidDataException($"{where}: expected {count} numbers.");
        }

        var values = new double[count];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !double.IsFinite(item.GetDouble()))
            {
                throw new InvalidDataException($"{where}: '{item.GetRawText()}' is not a finite number.");
            }

            values[i++] = item.GetDouble();
        }

        return values;
    }
}
