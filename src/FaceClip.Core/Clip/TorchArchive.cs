using System.IO.Compression;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>
/// Reads PyTorch zip archives without PyTorch: <c>torch.save</c> files (<c>archive/data.pkl</c> + <c>archive/data/N</c>)
/// and TorchScript archives (<c>torch.jit.save</c>; the same layout plus <c>code/</c> and <c>constants.pkl</c>), with
/// <see cref="RestrictedUnpickler"/>. TorchScript code is never read or run: the module tree in <c>data.pkl</c> gives
/// the parameters and buffers by their dotted names.
/// </summary>
public static class TorchArchive
{
    /// <summary>The state dict in the archive: for <c>torch.save</c> the saved dict (or the dict under
    /// <c>state_dict</c> / <c>model</c> / <c>module</c> of a training checkpoint); for TorchScript every tensor
    /// attribute of the module tree (parameters and buffers). Tensors are on the CPU in their stored dtype.</summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var origin = Path.GetFileName(path);
        var dataPkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                      ?? throw new InvalidDataException($"{origin}: a zip file but not a PyTorch archive (no <name>/data.pkl).");
        var prefix = dataPkl.FullName[..(dataPkl.FullName.IndexOf('/') + 1)];
        var storages = new Dictionary<string, RestrictedUnpickler.Storage>(StringComparer.Ordinal);

        object PersistentLoad(PickleTuple pid)
        {
            if (pid.Count < 5 || pid[0] as string != "storage")
            {
                throw new InvalidDataException($"{origin}: unsupported persistent id in data.pkl.");
            }

            var typeName = (pid[1] as PickleGlobal)?.FullName ?? "(none)";
            var key = pid[2] as string ?? throw new InvalidDataException($"{origin}: storage without a key.");
            if (storages.TryGetValue(key, out var existing))
            {
                return existing;
            }

            var dtype = (pid[1] is PickleGlobal { Module: "torch" } g ? RestrictedUnpickler.StorageDtype(g.Name) : null) ?? throw new InvalidDataException($"{origin}: unsupported storage type {typeName}.");
            var numel = pid[4] is long n ? n : throw new InvalidDataException($"{origin}: storage {key} without an element count.");
            var entry = zip.GetEntry($"{prefix}data/{key}") ?? throw new InvalidDataException($"{origin}: storage '{prefix}data/{key}' is missing.");
            var elementSize = ElementSize(dtype);
            if (entry.Length != numel * elementSize)
            {
                throw new InvalidDataException($"{origin}: storage {key} has {entry.Length} bytes, expected {numel * elementSize}.");
            }

            var bytes = new byte[entry.Length];
            using (var s = entry.Open())
            {
                s.ReadExactly(bytes);
            }

            var storage = new RestrictedUnpickler.Storage(dtype, IO.SafeTensors.FromBytes(bytes, dtype, [numel]));
            storages[key] = storage;
            return storage;
        }

        object? root;
        using (var stream = dataPkl.Open())
        using (var buffered = new BufferedStream(stream, 1 << 16))
        {
            root = RestrictedUnpickler.Load(buffered, PersistentLoad, origin);
        }

        try
        {
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            switch (root)
            {
                case PickleObject module:
                    CollectModuleTensors(module, string.Empty, result, []);
                    break;
                case PickleDict dict:
                    CollectStateDict(Unwrap(dict), result, origin);
                    break;
                default:
                    throw new InvalidDataException($"{origin}: the archive holds neither a state dict nor a TorchScript module.");
            }

            if (result.Count == 0)
            {
                throw new InvalidDataException($"{origin}: the archive holds no tensors.");
            }

            return result;
        }
        finally
        {
            foreach (var s in storages.Values)
            {
                s.Data.Dispose();
            }
        }
    }

    private static PickleDict Unwrap(PickleDict dict)
    {
        foreach (var wrapper in new[] { "state_dict", "model", "module" })
        {
            if (dict.TryGet(wrapper, out var inner) && inner is PickleDict innerDict && innerDict.Items.Any(kv => kv.Value is Tensor))
            {
                return innerDict;
            }
        }

        return dict;
    }

    private static void CollectStateDict(PickleDict dict, Dictionary<string, Tensor> result, string origin)
    {
        foreach (var (key, value) in dict.Items)
        {
            if (key is string name && value is Tensor tensor)
            {
                result[name] = tensor;
            }
        }

        if (result.Count == 0)
        {
            throw new InvalidDataException($"{origin}: the saved dict holds no tensors by name (not a state dict).");
        }
    }

    private static void CollectModuleTensors(PickleObject module, string prefix, Dictionary<string, Tensor> result, HashSet<PickleObject> seen)
    {
        if (!seen.Add(module))
        {
            return;
        }

        foreach (var (key, value) in module.Attributes.Items)
        {
            if (key is not string name)
            {
                continue;
            }

            switch (value)
            {
                case Tensor t:
                    result[prefix + name] = t;
                    break;
                case PickleObject child:
                    CollectModuleTensors(child, prefix + name + ".", result, seen);
                    break;
            }
        }
    }

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
