using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;

namespace FaceClip.Core.IO;

/// <summary>Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header with each
/// tensor's dtype, shape and byte range, then the raw little-endian data). Nothing in the file is executed.</summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>Loads every tensor (or those <paramref name="include"/> accepts) onto the CPU, in its stored dtype.</summary>
    public static Dictionary<string, torch.Tensor> Load(string path, Func<string, bool>? include = null)
        => Load(path, out _, include);

    public static Dictionary<string, torch.Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata, Func<string, bool>? include = null)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path, out metadata, include);
    }

    public static Dictionary<string, torch.Tensor> Read(Stream stream, string origin, out IReadOnlyDictionary<string, string> metadata, Func<string, bool>? include = null)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 1 || headerLength > MaxHeaderBytes || (stream.CanSeek && headerLength > stream.Length - 8))
        {
            throw new InvalidDataException($"{origin}: not a safetensors file (header length {headerLength}).");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new InvalidDataException($"{origin}: empty safetensors header.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{origin}: not a safetensors file (header is not JSON).", ex);
        }

        var meta = new Dictionary<string, string>();
        var entries = new List<(string Name, string Dtype, long[] Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject())
                {
                    meta[k] = v!.GetValue<string>();
                }

                continue;
            }

            var o = node!.AsObject();
            var offsets = o["data_offsets"]!.AsArray();
            entries.Add((name, o["dtype"]!.GetValue<string>(), o["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray(),
                offsets[0]!.GetValue<long>(), offsets[1]!.GetValue<long>()));
        }

        metadata = meta;
        var dataStart = 8 + headerLength;
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            if (include is not null && !include(e.Name))
            {
                continue;
            }

            var (dtype, elementSize) = ParseDtype(e.Dtype, origin);
            var count = e.Shape.Aggregate(1L, (a, b) => a * b);
            if (e.End - e.Begin != count * elementSize || e.Begin < 0)
            {
                throw new InvalidDataException($"{origin}: tensor '{e.Name}' has {e.End - e.Begin} bytes for shape [{string.Join(",", e.Shape)}] of {e.Dtype}.");
            }

            var bytes = new byte[e.End - e.Begin];
            if (stream.CanSeek)
            {
                stream.Seek(dataStart + e.Begin, SeekOrigin.Begin);
            }

            stream.ReadExactly(bytes);
            result[e.Name] = FromBytes(bytes, dtype, e.Shape);
        }

        return result;
    }

    /// <summary>Makes a CPU tensor of <paramref name="dtype"/> from raw little-endian bytes.</summary>
    public static torch.Tensor FromBytes(byte[] bytes, torch.ScalarType dtype, long[] shape)
    {
        var tensor = torch.empty(shape, dtype);
        if (bytes.Length > 0)
        {
            tensor.bytes = bytes;
        }

        return tensor;
    }

    /// <summary>Writes tensors (moved to the CPU, made contiguous) with optional string metadata; atomically.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, torch.Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var (k, v) in metadata)
            {
                m[k] = v;
            }

            header["__metadata__"] = m;
        }

        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var bytes = ToBytes(tensor);
            header[name] = new JsonObject
            {
                ["dtype"] = DtypeName(tensor.dtype),
                ["shape"] = new JsonArray(tensor.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (headerBytes.Length + 7) / 8 * 8;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        using (var output = File.Create(temporary))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, padded);
            output.Write(len);
            output.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++)
            {
                output.WriteByte((byte)' ');
            }

            foreach (var blob in blobs)
            {
                output.Write(blob);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static byte[] ToBytes(torch.Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.numel() == 0 ? [] : cpu.bytes.ToArray();
    }

    private static (torch.ScalarType, int) ParseDtype(string name, string origin) => name switch
    {
        "F32" => (torch.ScalarType.Float32, 4),
        "F16" => (torch.ScalarType.Float16, 2),
        "BF16" => (torch.ScalarType.BFloat16, 2),
        "F64" => (torch.ScalarType.Float64, 8),
        "I64" => (torch.ScalarType.Int64, 8),
        "I32" => (torch.ScalarType.Int32, 4),
        "I16" => (torch.ScalarType.Int16, 2),
        "I8" => (torch.ScalarType.Int8, 1),
        "U8" => (torch.ScalarType.Byte, 1),
        "BOOL" => (torch.ScalarType.Bool, 1),
        _ => throw new InvalidDataException($"{origin}: unsupported safetensors dtype '{name}'."),
    };

    private static string DtypeName(torch.ScalarType t) => t switch
    {
        torch.ScalarType.Float32 => "F32",
        torch.ScalarType.Float16 => "F16",
        torch.ScalarType.BFloat16 => "BF16",
        torch.ScalarType.Float64 => "F64",
        torch.ScalarType.Int64 => "I64",
        torch.ScalarType.Int32 => "I32",
        torch.ScalarType.Int16 => "I16",
        torch.ScalarType.Int8 => "I8",
        torch.ScalarType.Byte => "U8",
        torch.ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors cannot store {t}."),
    };
}
