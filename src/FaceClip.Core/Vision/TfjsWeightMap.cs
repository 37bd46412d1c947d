using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// The tensors of a TensorFlow.js weights manifest (<c>*-weights_manifest.json</c> plus its <c>.bin</c> shards), in the
/// layout TFJS keeps them (convolution filters HWIO, depthwise filters HWC1). Quantised entries
/// (<c>quantization: {dtype: uint8|uint16|float16, scale, min}</c>) are dequantised the way TFJS does:
/// <c>value = q * scale + min</c> (float16: the half value itself).
/// </summary>
public sealed class TfjsWeightMap
{
    private readonly Dictionary<string, (long[] Shape, float[] Values)> _entries;

    private TfjsWeightMap(string source, Dictionary<string, (long[] Shape, float[] Values)> entries)
    {
        Source = source;
        _entries = entries;
    }

    /// <summary>The manifest this map was read from.</summary>
    public string Source { get; }

    /// <summary>Tensor names in manifest order.</summary>
    public IReadOnlyCollection<string> Names => _entries.Keys;

    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The TFJS shape of a tensor.</summary>
    public IReadOnlyList<long> ShapeOf(string name) => Get(name).Shape;

    /// <summary>The dequantised values of a tensor (row-major, TFJS layout).</summary>
    public ReadOnlySpan<float> ValuesOf(string name) => Get(name).Values;

    /// <summary>A new float32 CPU tensor with the TFJS shape.</summary>
    public Tensor Tensor(string name)
    {
        var (shape, values) = Get(name);
        return torch.tensor(values, shape, ScalarType.Float32);
    }

    /// <summary>Reads a manifest and its shards. Throws <see cref="InvalidDataException"/> on a malformed manifest or short shard.</summary>
    public static TfjsWeightMap Load(string manifestPath)
    {
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"TFJS weights manifest not found: {manifestPath}", manifestPath);
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        return Load(doc.RootElement, Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, manifestPath);
    }

    /// <summary>Reads the weight groups <paramref name="groups"/> (a manifest's root, or a graph model's
    /// <c>weightsManifest</c>) with their shards in <paramref name="dir"/>; <paramref name="manifestPath"/> names the
    /// file in errors.</summary>
    public static TfjsWeightMap Load(JsonElement groups, string dir, string manifestPath)
    {
        if (groups.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{manifestPath}: a TFJS weights manifest is a JSON array of weight groups.");
        }

        var entries = new Dictionary<string, (long[] Shape, float[] Values)>(StringComparer.Ordinal);
        foreach (var group in groups.EnumerateArray())
        {
            var data = ReadShards(dir, group, manifestPath);
            var offset = 0;
            foreach (var weight in group.GetProperty("weights").EnumerateArray())
            {
                var name = weight.GetProperty("name").GetString() ?? throw new InvalidDataException($"{manifestPath}: a weight without a name.");
                var shape = weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
                var dtype = weight.GetProperty("dtype").GetString();
                float[] values;
                if (weight.TryGetProperty("quantization", out var q))
                {
                    values = Dequantise(data, ref offset, count, q, name, manifestPath);
                }
                else
                {
                    values = ReadPlain(data, ref offset, count, dtype, name, manifestPath);
                }

                entries[name] = (shape, values);
            }

            if (offset != data.Length)
            {
                throw new InvalidDataException($"{manifestPath}: shards hold {data.Length} bytes but the weights use {offset}.");
            }
        }

        return new TfjsWeightMap(manifestPath, entries);
    }

    private (long[] Shape, float[] Values) Get(string name) =>
        _entries.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"{Source}: no tensor named '{name}'.");

    private static byte[] ReadShards(string dir, JsonElement group, string manifestPath)
    {
        using var ms = new MemoryStream();
        foreach (var p in group.GetProperty("paths").EnumerateArray())
        {
            var shard = Path.Combine(dir, p.GetString() ?? string.Empty);
            if (!File.Exists(shard))
            {
                throw new FileNotFoundException($"{manifestPath}: weight shard not found: {shard}", shard);
            }

            using var fs = File.OpenRead(shard);
            fs.CopyTo(ms);
        }

        return ms.ToArray();
    }

    private static void Need(byte[] data, int offset, int bytes, string name, string manifestPath)
    {
        if (offset + bytes > data.Length)
        {
            throw new InvalidDataException($"{manifestPath}: shards end before weight '{name}' ({offset + bytes} > {data.Length} bytes).");
        }
    }

    private static float[] Dequantise(byte[] data, ref int offset, int count, JsonElement q, string name, string manifestPath)
    {
        var qtype = q.GetProperty("dtype").GetString();
        var values = new float[count];
        switch (qtype)
        {
            case "uint8":
            {
                var scale = q.GetProperty("scale").GetDouble();
                var min = q.GetProperty("min").GetDouble();
                Need(data, offset, count, name, manifestPath);
                for (var i = 0; i < count; i++)
                {
                    values[i] = (float)((data[offset + i] * scale) + min);
                }

                offset += count;
                break;
            }

            case "uint16":
            {
                var scale = q.GetProperty("scale").GetDouble();
                var min = q.GetProperty("min").GetDouble();
                Need(data, offset, count * 2, name, manifestPath);
                for (var i = 0; i < count; i++)
                {
                    values[i] = (float)((BitConverter.ToUInt16(data, offset + (2 * i)) * scale) + min);
                }

                offset += count * 2;
                break;
            }

            case "float16":
                Need(data, offset, count * 2, name, manifestPath);
                for (var i = 0; i < count; i++)
                {
                    values[i] = (float)BitConverter.ToHalf(data, offset + (2 * i));
                }

                offset += count * 2;
                break;
            default:
                throw new InvalidDataException($"{manifestPath}: weight '{name}' has unsupported quantization dtype '{qtype}'.");
        }

        return values;
    }

    private static float[] ReadPlain(byte[] data, ref int offset, int count, string? dtype, string name, string manifestPath)
    {
        var values = new float[count];
        Need(data, offset, count * 4, name, manifestPath);
        switch (dtype)
        {
            case "float32":
                Buffer.BlockCopy(data, offset, values, 0, count * 4);
                break;
            case "int32":
                for (var i = 0; i < count; i++)
                {
                    values[i] = BitConverter.ToInt32(data, offset + (4 * i));
                }

                break;
            default:
                throw new InvalidDataException($"{manifestPath}: weight '{name}' has unsupported dtype '{dtype}'.");
        }

        offset += count * 4;
        return values;
    }
}
