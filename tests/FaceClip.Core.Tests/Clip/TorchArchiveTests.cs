using System.IO.Compression;
using System.Text;
using FaceClip.Core.Clip;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Clip;

/// <summary>Hand-written archives exercise what the fixtures do not: half storages, shared storages with offsets and
/// strides, training-checkpoint wrappers.</summary>
public sealed class TorchArchiveTests
{
    /// <summary>A protocol-2 pickle as torch.save writes it.</summary>
    private sealed class PickleWriter
    {
        private readonly List<byte> _b = [0x80, 2];

        public PickleWriter Op(char op)
        {
            _b.Add((byte)op);
            return this;
        }

        public PickleWriter Str(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            _b.Add((byte)'X');
            _b.AddRange(BitConverter.GetBytes(bytes.Length));
            _b.AddRange(bytes);
            return this;
        }

        public PickleWriter Int(int value)
        {
            _b.Add((byte)'J');
            _b.AddRange(BitConverter.GetBytes(value));
            return this;
        }

        public PickleWriter Global(string module, string name)
        {
            _b.Add((byte)'c');
            _b.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            return this;
        }

        public PickleWriter Ints(params int[] values)
        {
            Op('(');
            foreach (var v in values)
            {
                Int(v);
            }

            return Op('t');
        }

        /// <summary>_rebuild_tensor_v2(storage(key), offset, size, stride, False, OrderedDict()).</summary>
        public PickleWriter Tensor(string storageType, string key, int numel, int offset, int[] size, int[] stride)
        {
            Global("torch._utils", "_rebuild_tensor_v2").Op('(');
            Op('(').Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel).Op('t').Op('Q');
            Int(offset).Ints(size).Ints(stride).Op('\x89').Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R');
            return this;
        }

        public byte[] Bytes() => [.. _b, (byte)'.'];
    }

    private static string WriteArchive(byte[] dataPkl, Dictionary<string, byte[]> storages)
    {
        var path = Path.Combine(Path.GetTempPath(), $"archive-{Guid.NewGuid():N}.pt");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string name, byte[] bytes)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(bytes);
        }

        Add("archive/data.pkl", dataPkl);
        foreach (var (key, bytes) in storages)
        {
            Add($"archive/data/{key}", bytes);
        }

        Add("archive/version", "3\n"u8.ToArray());
        return path;
    }

    [Fact]
    public void HalfStoragesSharedStoragesOffsetsAndStridesAreRebuilt()
    {
        var halves = new[] { 1f, 2f, 3f, 4f, 5f, 6f, 0.5f }.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray();
        var pickle = new PickleWriter().Op('}').Op('(')
            .Str("state_dict").Op('}').Op('(')
            .Str("full").Tensor("HalfStorage", "0", 7, 0, [2, 3], [3, 1])
            .Str("transposed").Tensor("HalfStorage", "0", 7, 0, [3, 2], [1, 3])
            .Str("tail").Tensor("HalfStorage", "0", 7, 6, [], [])
            .Op('u')
            .Str("epoch").Int(12)
            .Op('u').Bytes();
        var path = WriteArchive(pickle, new() { ["0"] = halves });
        try
        {
            var tensors = ClipCheckpoint.ReadStateDict(path);
            Assert.Equal(["full", "tail", "transposed"], tensors.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(ScalarType.Float16, tensors["full"].dtype);
            Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, tensors["full"].to(ScalarType.Float32).data<float>().ToArray());
            Assert.Equal(new[] { 1f, 4f, 2f, 5f, 3f, 6f }, tensors["transposed"].to(ScalarType.Float32).contiguous().data<float>().ToArray());
            Assert.Equal(0.5f, tensors["tail"].to(ScalarType.Float32).item<float>());
            Assert.Empty(tensors["tail"].shape);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ATensorReachingOutsideItsStorageIsRefused()
    {
        var pickle = new PickleWriter().Op('}').Str("w").Tensor("FloatStorage", "0", 4, 2, [2, 2], [2, 1]).Op('s').Bytes();
        var path = WriteArchive(pickle, new() { ["0"] = new byte[16] });
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.ReadStateDict(path));
            Assert.Contains("outside its storage", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AStorageOfTheWrongSizeIsRefused()
    {
        var pickle = new PickleWriter().Op('}').Str("w").Tensor("FloatStorage", "0", 4, 0, [4], [1]).Op('s').Bytes();
        var path = WriteArchive(pickle, new() { ["0"] = new byte[12] });
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.ReadStateDict(path));
            Assert.Contains("expected 16", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
