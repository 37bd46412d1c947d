using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FaceClip.Core.IO;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// The training faces of a folder of photos: every detected face (at least <c>minimumFaceSize</c> pixels) cropped as
/// the fitter crops it (<see cref="FaceCrop.Around"/>), as bytes [N, 3, S, S], with its 68 landmarks in crop pixels
/// [N, 68, 2]. Detection runs once: the crops are cached as safetensors under the cache folder, keyed by the photos'
/// paths, sizes and times and the crop settings.
/// </summary>
public sealed class FaceCropDataset : IDisposable
{
    private FaceCropDataset(Tensor crops, Tensor landmarks, IReadOnlyList<string> names, bool fromCache)
    {
        Crops = crops;
        Landmarks = landmarks;
        Names = names;
        FromCache = fromCache;
    }

    public static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp"];

    /// <summary>Crops [N, 3, S, S], bytes.</summary>
    public Tensor Crops { get; }

    /// <summary>Landmarks [N, 68, 2] in crop pixels.</summary>
    public Tensor Landmarks { get; }

    /// <summary>"photo#face" per crop.</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    public int CropSize => (int)Crops.shape[2];

    /// <summary>Whether the crops came from the cache (no detection ran).</summary>
    public bool FromCache { get; }

    /// <summary>The photos of a folder (not recursive), in name order.</summary>
    public static IReadOnlyList<string> ImagesIn(string directory) =>
        Directory.GetFiles(directory).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();

    public static FaceCropDataset Build(FacePipeline faces, IReadOnlyList<string> files, int cropSize, double cropScale, int minimumFaceSize,
        string? cacheDirectory, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (files.Count == 0)
        {
            throw new ArgumentException("No photos to train on.");
        }

        string? cachePath = null;
        if (cacheDirectory is not null)
        {
            var key = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"v1|{cropSize}|{cropScale}|{minimumFaceSize}"));
            foreach (var f in files)
            {
                var info = new FileInfo(f);
                key.Append(CultureInfo.InvariantCulture, $"|{Path.GetFullPath(f)}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
            }

            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16].ToLowerInvariant();
            cachePath = Path.Combine(cacheDirectory, "regressor", $"crops-{hash}.safetensors");
            if (File.Exists(cachePath))
            {
                var cached = SafeTensors.Load(cachePath, out var metadata);
                var names = metadata.TryGetValue("names", out var n) ? n.Split('\n') : [];
                return new FaceCropDataset(cached["crops"], cached["landmarks"], names, fromCache: true);
            }
        }

        var crops = new List<Tensor>();
        var landmarks = new List<float[]>();
        var labels = new List<string>();
        foreach (var file in files)
        {
            using var scope = NewDisposeScope();
            using var image = FaceImage.Load(file);
            var analysis = faces.Analyse(image, expressions: false, descriptors: false);
            for (var i = 0; i < analysis.Faces.Count; i++)
            {
                var face = analysis.Faces[i];
                if (Math.Min(face.Box.Width, face.Box.Height) < minimumFaceSize)
                {
                    continue;
                }

                var crop = FaceCrop.Around(face.Landmarks, cropSize, cropScale);
                var pixels = crop.Extract(image.Pixels.cpu());
                crops.Add((pixels * 255).round().clamp(0, 255).to(ScalarType.Byte).MoveToOuterDisposeScope());
                landmarks.Add(crop.LandmarksToCrop(face.Landmarks, CPU).data<float>().ToArray());
                labels.Add($"{Path.GetFileName(file)}#{i}");
            }

            log?.Invoke($"{Path.GetFileName(file)}: {analysis.Faces.Count} face(s)");
        }

        if (crops.Count == 0)
        {
            throw new ReconstructionException($"No face of at least {minimumFaceSize} pixels was found in the {files.Count} photo(s).");
        }

        var all = cat(crops.ToArray(), 0);
        foreach (var c in crops)
        {
            c.Dispose();
        }

        var points = tensor(landmarks.SelectMany(l => l).ToArray()).view(labels.Count, 68, 2);
        if (cachePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
            SafeTensors.Save(cachePath + ".tmp", new Dictionary<string, Tensor> { ["crops"] = all, ["landmarks"] = points },
                new Dictionary<string, string> { ["names"] = string.Join('\n', labels) });
            File.Move(cachePath + ".tmp", cachePath, overwrite: true);
        }

        return new FaceCropDataset(all, points, labels, fromCache: false);
    }

    /// <summary>The faces at <paramref name="indices"/> (copies; e.g. a held-out split).</summary>
    public FaceCropDataset Subset(IReadOnlyList<int> indices)
    {
        using var index = tensor(indices.Select(i => (long)i).ToArray());
        return new FaceCropDataset(Crops.index_select(0, index).DetachFromDisposeScope(), Landmarks.index_select(0, index).DetachFromDisposeScope(),
            indices.Select(i => Names[i]).ToList(), FromCache);
    }

    /// <summary>All faces in order at side <paramref name="size"/>, [N, 3, S, S] in [0, 1], and their landmarks.</summary>
    public (Tensor Photo, Tensor Landmarks) All(int size, Device device)
    {
        var images = Crops.to(device).to(ScalarType.Float32) / 255;
        var points = Landmarks.to(device);
        if (size != CropSize)
        {
            images = nn.functional.interpolate(images, [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: size < CropSize);
            points = points * ((double)size / CropSize);
        }

        return (images, points);
    }

    public void Dispose()
    {
        Crops.Dispose();
        Landmarks.Dispose();
    }
}
