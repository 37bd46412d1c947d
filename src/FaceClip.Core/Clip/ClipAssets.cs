using FaceClip.Core.Runtime;

namespace FaceClip.Core.Clip;

/// <summary>Finds CLIP weights and the BPE vocabulary: a file path as given, or OpenAI's released models by name
/// from the model store (assets <c>clip</c> and <c>clip-vocab</c>). A missing asset throws the store's
/// <see cref="ModelAssetException"/>, which names <c>faceclip models fetch ...</c> and the download source.</summary>
public static class ClipAssets
{
    public const string ModelsAssetId = "clip";
    public const string VocabularyAssetId = "clip-vocab";
    public const string VocabularyFile = "bpe_simple_vocab_16e6.txt.gz";

    /// <summary>The file of a released model in the <c>clip</c> asset, by OpenAI's name.</summary>
    public static string? ReleasedFile(string name) => name.Replace("-", string.Empty).Replace("/", string.Empty).ToUpperInvariant() switch
    {
        "VITB32" => "ViT-B-32.pt",
        "RN50X4" => "RN50x4.pt",
        _ => null,
    };

    /// <summary>A path to CLIP weights: <paramref name="nameOrPath"/> itself when it is a file, else the released
    /// model of that name (<c>ViT-B/32</c>, <c>RN50x4</c>) from the store.</summary>
    /// <exception cref="ModelAssetException">The <c>clip</c> asset is not installed.</exception>
    /// <exception cref="FileNotFoundException">Neither a file nor a known name.</exception>
    public static string ResolveModel(ModelStore store, string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (File.Exists(nameOrPath))
        {
            return Path.GetFullPath(nameOrPath);
        }

        var released = ReleasedFile(nameOrPath)
                       ?? throw new FileNotFoundException($"CLIP weights '{nameOrPath}' not found: give a .pt or .safetensors file, or ViT-B/32 or RN50x4 (installed by `faceclip models fetch {ModelsAssetId}`).", nameOrPath);
        return Path.Combine(Require(store, ModelsAssetId, released).Root!, released);
    }

    /// <summary>The tokenizer file: <paramref name="path"/> when given, else the vocabulary beside the weights, else
    /// the <c>clip-vocab</c> asset.</summary>
    /// <exception cref="ModelAssetException">No vocabulary is installed.</exception>
    public static string ResolveTokenizer(ModelStore store, string? path, string? modelPath = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!string.IsNullOrWhiteSpace(path))
        {
            return File.Exists(path) || Directory.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"CLIP tokenizer file not found: {path}", path);
        }

        if (modelPath is not null)
        {
            var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, VocabularyFile);
            if (File.Exists(beside))
            {
                return beside;
            }
        }

        return Path.Combine(Require(store, VocabularyAssetId, VocabularyFile).Root!, VocabularyFile);
    }

    /// <summary>The store's <see cref="ModelStore.Require"/>, its message extended with the one file needed here and
    /// that file's own download address.</summary>
    private static AssetStatus Require(ModelStore store, string assetId, string file)
    {
        try
        {
            return store.Require(assetId);
        }
        catch (ModelAssetException ex)
        {
            var url = store.Manifest[assetId].Files.FirstOrDefault(f => f.Path == file)?.Url;
            throw new ModelAssetException(assetId, $"{ex.Message} This needs '{file}'" + (url is null ? "." : $", from {url}."), ex);
        }
    }
}
