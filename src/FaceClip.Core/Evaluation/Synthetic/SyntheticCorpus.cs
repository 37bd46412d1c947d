using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FaceClip.Core.Geometry;
using SkiaSharp;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>One face of a training corpus: its photo (relative path) and everything known about it. Pose and camera
/// are the synthetic photo's own (<see cref="SyntheticFace"/>); the landmarks are the true 68 in the photo's pixels
/// (the jaw line on the visible silhouette).</summary>
public sealed record SyntheticCorpusLabel(
    int Index, string Image, int Width, int Height, double Focal, double[] Position, double Yaw, double Pitch, double Roll,
    float[] Identity, float[] Expression, string ExpressionLabel, float[][] Landmarks, string Occluders, double[] LightDirection, double[] Skin);

/// <summary>What a corpus folder's <c>corpus.json</c> says: how its faces were drawn. A run with other settings does
/// not write into it.</summary>
public sealed record SyntheticCorpusInfo(string Format, int Version, int Seed, int IdentityModes, string[] ExpressionNames, int ImageSize,
    double FaceFractionMin, double FaceFractionMax, double OccluderChance, int Supersampling, int Backgrounds);

/// <summary>What a <see cref="SyntheticCorpus.Write"/> did.</summary>
/// <param name="Existing">Faces already in the folder (a resumed corpus).</param>
/// <param name="Written">Faces written by this run.</param>
/// <param name="Seconds">Wall time of this run's writing.</param>
public sealed record SyntheticCorpusSummary(int Existing, int Written, double Seconds)
{
    public int Total => Existing + Written;

    /// <summary>Faces per second of this run (0 when it wrote none).</summary>
    public double FacesPerSecond => Written > 0 && Seconds > 0 ? Written / Seconds : 0;
}

/// <summary>
/// A training corpus of synthetic faces for the parameter regressor (<c>faceclip synth</c>): the 3D benchmark's faces
/// (<see cref="SyntheticFaceGenerator"/>) photographed by its reference renderer, domain-randomised — identity,
/// expression, pose, camera, key and ambient light and its tint, painted skin, hair, lip and iris colours, blurred
/// photo backgrounds, occluders (glasses, hands, hair strands), blur, sensor noise, JPEG quality — with their codes and
/// landmarks. Layout: <c>corpus.json</c> (<see cref="SyntheticCorpusInfo"/>), <c>images/NNNNNN.jpg</c>, and
/// <c>labels.jsonl</c>, one <see cref="SyntheticCorpusLabel"/> per line in index order, each written after its photo.
/// A run into a folder that holds the same corpus continues it: face i is the same whether written in one run or
/// several, on one core or many.
/// </summary>
public sealed class SyntheticCorpus
{
    public const string Format = "faceclip-synthetic-corpus";
    public const string InfoFile = "corpus.json";
    public const string LabelsFile = "labels.jsonl";
    private const int Chunk = 32;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly FaceModelData _data;
    private readonly int _identityModes;
    private readonly SyntheticScene _scene;
    private readonly IReadOnlyList<SKBitmap> _backgrounds;
    private readonly int _supersampling;

    /// <param name="scene">Framing and occluders; its <see cref="SyntheticScene.ImageSize"/> must be set.</param>
    /// <param name="backgrounds">Photos to crop the blurred backgrounds from (none: painted gradients).</param>
    public SyntheticCorpus(FaceModelData data, int identityModes, SyntheticScene scene, IReadOnlyList<SKBitmap>? backgrounds = null, int supersampling = 2)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _scene = scene ?? throw new ArgumentNullException(nameof(scene));
        scene.Validate();
        if (scene.ImageSize is null)
        {
            throw new ArgumentException("A corpus needs a fixed image size.", nameof(scene));
        }

        _identityModes = identityModes;
        _backgrounds = backgrounds ?? [];
        _supersampling = supersampling;
    }

    /// <summary>The settings a corpus of <paramref name="seed"/> is written with.</summary>
    public SyntheticCorpusInfo Info(int seed) => new(Format, 1, seed, _identityModes, _data.ExpressionNames, _scene.ImageSize!.Value,
        _scene.FaceFraction.Min, _scene.FaceFraction.Max, _scene.OccluderChance, _supersampling, _backgrounds.Count);

    /// <summary>Writes faces until the folder holds <paramref name="count"/> (continuing a corpus of the same settings).
    /// <paramref name="progress"/> hears the total after each chunk.</summary>
    /// <exception cref="InvalidOperationException">The folder holds a corpus of other settings.</exception>
    public SyntheticCorpusSummary Write(string directory, int count, int seed, IProgress<int>? progress = null, int? threads = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var info = Info(seed);
        Directory.CreateDirectory(Path.Combine(directory, "images"));
        var infoPath = Path.Combine(directory, InfoFile);
        if (File.Exists(infoPath))
        {
            var existing = JsonSerializer.Deserialize<SyntheticCorpusInfo>(File.ReadAllText(infoPath), Json);
            if (existing is null || !Same(existing, info))
            {
                throw new InvalidOperationException($"{directory} holds a corpus drawn with other settings ({InfoFile}); write this one to another folder.");
            }
        }
        else
        {
            File.WriteAllText(infoPath, JsonSerializer.Serialize(info, Json));
        }

        var labelsPath = Path.Combine(directory, LabelsFile);
        var done = Complete(labelsPath);
        var clock = Stopwatch.StartNew();
        var generator = new SyntheticFaceGenerator(_data, _identityModes, _scene);
        var renderer = new ReferenceRenderer(_data, _backgrounds, _supersampling);
        var faces = generator.Stream(seed).Skip(done).Take(Math.Max(0, count - done));
        var written = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount, CancellationToken = ct };
        using var labels = new StreamWriter(labelsPath, append: true);
        foreach (var chunk in faces.Chunk(Chunk))
        {
            var lines = new string[chunk.Length];
            Parallel.For(0, chunk.Length, parallel, k =>
            {
                var face = chunk[k];
                var photo = renderer.Render(face, SyntheticFaceGenerator.Vertices(_data, face.Identity, face.Expression));
                var image = ImagePath(face.Index);
                File.WriteAllBytes(Path.Combine(directory, image), photo.Jpeg);
                lines[k] = JsonSerializer.Serialize(Label(face, photo, image), Json);
            });
            foreach (var line in lines)
            {
                labels.WriteLine(line);
            }

            labels.Flush();
            written += chunk.Length;
            progress?.Report(done + written);
        }

        return new SyntheticCorpusSummary(done, written, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The corpus' settings and its labels, in index order.</summary>
    public static (SyntheticCorpusInfo Info, IReadOnlyList<SyntheticCorpusLabel> Labels) Read(string directory)
    {
        var infoPath = Path.Combine(directory, InfoFile);
        if (!File.Exists(infoPath))
        {
            throw new FileNotFoundException($"{directory} is not a synthetic corpus (no {InfoFile}); write one with `faceclip synth`.", infoPath);
        }

        var info = JsonSerializer.Deserialize<SyntheticCorpusInfo>(File.ReadAllText(infoPath), Json)
                   ?? throw new InvalidDataException($"{infoPath} is empty.");
        if (info.Format != Format)
        {
            throw new InvalidDataException($"{infoPath} is not a FaceClip synthetic corpus.");
        }

        var labelsPath = Path.Combine(directory, LabelsFile);
        var labels = File.Exists(labelsPath)
            ? File.ReadLines(labelsPath).Select(Parse).TakeWhile(l => l is not null).Select(l => l!).ToList()
            : [];
        return (info, labels);
    }

    /// <summary>Where face <paramref name="index"/>'s photo is, relative to the corpus folder.</summary>
    public static string ImagePath(int index) => Path.Combine("images", index.ToString("D6", CultureInfo.InvariantCulture) + ".jpg");

    private static SyntheticCorpusLabel Label(SyntheticFace face, SyntheticPhoto photo, string image) => new(
        face.Index, image.Replace('\\', '/'), photo.Width, photo.Height, face.Focal, face.Position, face.Yaw, face.Pitch, face.Roll,
        face.Identity, face.Expression, face.ExpressionLabel, photo.Landmarks.Select(p => new[] { p.X, p.Y }).ToArray(),
        face.Occluders == SyntheticOccluders.None ? "" : face.Occluders.ToString().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal),
        face.LightDirection, face.Skin);

    private static SyntheticCorpusLabel? Parse(string line)
    {
        try
        {
            return string.IsNullOrWhiteSpace(line) ? null : JsonSerializer.Deserialize<SyntheticCorpusLabel>(line, Json);
        }
        catch (JsonException)
        {
            return null; // a line cut short by an interrupted run
        }
    }

    /// <summary>The faces fully written (labels that parse, in order from 0); a line cut short is dropped.</summary>
    private static int Complete(string labelsPath)
    {
        if (!File.Exists(labelsPath))
        {
            return 0;
        }

        var lines = File.ReadAllLines(labelsPath);
        var good = 0;
        while (good < lines.Length && Parse(lines[good]) is { } label && label.Index == good)
        {
            good++;
        }

        if (good < lines.Length)
        {
            File.WriteAllLines(labelsPath, lines.Take(good));
        }

        return good;
    }

    private static bool Same(SyntheticCorpusInfo a, SyntheticCorpusInfo b) =>
        a.Format == b.Format && a.Version == b.Version && a.Seed == b.Seed && a.IdentityModes == b.IdentityModes && a.ImageSize == b.ImageSize
        && a.FaceFractionMin == b.FaceFractionMin && a.FaceFractionMax == b.FaceFractionMax && a.OccluderChance == b.OccluderChance
        && a.Supersampling == b.Supersampling && a.Backgrounds == b.Backgrounds && a.ExpressionNames.SequenceEqual(b.ExpressionNames);
}
