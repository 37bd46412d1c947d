using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>
/// A pickle reader for PyTorch checkpoints that never executes anything: it understands the opcodes of protocols 0-5
/// that PyTorch writes and only these globals: <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>torch._utils._rebuild_parameter</c>, the <c>torch.*Storage</c> types, <c>collections.OrderedDict</c>, TorchScript
/// classes (<c>__torch__.*</c>, read as plain attribute bags) and <c>torch.jit._pickle</c>'s list builders. Any other
/// global is refused with <see cref="InvalidDataException"/>. Tensor storages are supplied by the caller
/// (<c>persistent_load</c>).
/// </summary>
public sealed class RestrictedUnpickler
{
    private static readonly object Mark = new();

    private readonly BinaryReader _reader;
    private readonly Func<PickleTuple, object> _persistentLoad;
    private readonly string _origin;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    private RestrictedUnpickler(Stream stream, Func<PickleTuple, object> persistentLoad, string origin)
    {
        _reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        _persistentLoad = persistentLoad;
        _origin = origin;
    }

    /// <summary>The storage a persistent id names; <see cref="Load"/>'s callback returns one.</summary>
    public sealed record Storage(ScalarType Dtype, Tensor Data);

    /// <summary>Reads one pickle. <paramref name="persistentLoad"/> receives the persistent id tuple
    /// (<c>('storage', type, key, location, numel)</c>) and returns a <see cref="Storage"/>.</summary>
    public static object? Load(Stream stream, Func<PickleTuple, object> persistentLoad, string origin)
        => new RestrictedUnpickler(stream, persistentLoad, origin).Run();

    private object? Run()
    {
        while (true)
        {
            int op = _reader.ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    _reader.ReadByte();
                    break;
                case 0x95: // FRAME
                    _reader.ReadInt64();
                    break;
                case '.': // STOP
                    return Pop();
                case '(': // MARK
                    _marks.Push(_stack.Count);
                    break;
                case '}': // EMPTY_DICT
                    Push(new PickleDict());
                    break;
                case ']': // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case ')': // EMPTY_TUPLE
                    Push(new PickleTuple([]));
                    break;
                case 0x8f: // EMPTY_SET
                    Push(new List<object?>());
                    break;
                case 't': // TUPLE
                    Push(new PickleTuple(PopMark()));
                    break;
                case 0x85: // TUPLE1
                    Push(new PickleTuple([Pop()]));
                    break;
                case 0x86: // TUPLE2
                {
                    var b = Pop();
                    var a = Pop();
                    Push(new PickleTuple([a, b]));
                    break;
                }

                case 0x87: // TUPLE3
                {
                    var c = Pop();
                    var b = Pop();
                    var a = Pop();
                    Push(new PickleTuple([a, b, c]));
                    break;
                }

                case 'l': // LIST
                    Push(PopMark());
                    break;
                case 'd': // DICT
                {
                    var items = PopMark();
                    var dict = new PickleDict();
                    for (var i = 0; i + 1 < items.Count; i += 2)
                    {
                        dict.Set(Key(items[i]), items[i + 1]);
                    }

                    Push(dict);
                    break;
                }

                case 'N': // NONE
                    Push(null);
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case 'J': // BININT
                    Push((long)_reader.ReadInt32());
                    break;
                case 'K': // BININT1
                    Push((long)_reader.ReadByte());
                    break;
                case 'M': // BININT2
                    Push((long)_reader.ReadUInt16());
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(_reader.ReadByte()));
                    break;
                case 0x8b: // LONG4
                    Push(ReadLong(_reader.ReadInt32()));
                    break;
                case 'G': // BINFLOAT (big-endian)
                    Push(BinaryPrimitives.ReadDoubleBigEndian(_reader.ReadBytes(8)));
                    break;
                case 'X': // BINUNICODE
                    Push(Encoding.UTF8.GetString(ReadExactly(_reader.ReadUInt32())));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(Encoding.UTF8.GetString(ReadExactly(_reader.ReadByte())));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(Encoding.UTF8.GetString(ReadExactly((long)_reader.ReadUInt64())));
                    break;
                case 'T': // BINSTRING
                    Push(Encoding.Latin1.GetString(ReadExactly(_reader.ReadUInt32())));
                    break;
                case 'U': // SHORT_BINSTRING
                    Push(Encoding.Latin1.GetString(ReadExactly(_reader.ReadByte())));
                    break;
                case 'B': // BINBYTES
                    Push(ReadExactly(_reader.ReadUInt32()));
                    break;
                case 'C': // SHORT_BINBYTES
                    Push(ReadExactly(_reader.ReadByte()));
                    break;
                case 0x8e: // BINBYTES8
                    Push(ReadExactly((long)_reader.ReadUInt64()));
                    break;
                case 'c': // GLOBAL
                {
                    var module = ReadLine();
                    var name = ReadLine();
                    Push(ResolveGlobal(module, name));
                    break;
                }

                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string ?? throw Bad("STACK_GLOBAL without a name");
                    var module = Pop() as string ?? throw Bad("STACK_GLOBAL without a module");
                    Push(ResolveGlobal(module, name));
                    break;
                }

                case 'q': // BINPUT
                    _memo[_reader.ReadByte()] = Peek();
                    break;
                case 'r': // LONG_BINPUT
                    _memo[_reader.ReadUInt32()] = Peek();
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Peek();
                    break;
                case 'h': // BINGET
                    Push(Memo(_reader.ReadByte()));
                    break;
                case 'j': // LONG_BINGET
                    Push(Memo(_reader.ReadUInt32()));
                    break;
                case 's': // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    AsDict(Peek()).Set(Key(key), value);
                    break;
                }

                case 'u': // SETITEMS
                {
                    var items = PopMark();
                    var dict = AsDict(Peek());
                    for (var i = 0; i + 1 < items.Count; i += 2)
                    {
                        dict.Set(Key(items[i]), items[i + 1]);
                    }

                    break;
                }

                case 'a': // APPEND
                {
                    var value = Pop();
                    AsList(Peek()).Add(value);
                    break;
                }

                case 'e': // APPENDS
                case 0x90: // ADDITEMS
                {
                    var items = PopMark();
                    AsList(Peek()).AddRange(items);
                    break;
                }

                case 'R': // REDUCE
                {
                    var args = Pop() as PickleTuple ?? throw Bad("REDUCE arguments are not a tuple");
                    var callable = Pop();
                    Push(Call(callable, args));
                    break;
                }

                case 0x81: // NEWOBJ
                {
                    var args = Pop() as PickleTuple ?? throw Bad("NEWOBJ arguments are not a tuple");
                    var cls = Pop();
                    Push(New(cls, args));
                    break;
                }

                case 'b': // BUILD
                {
                    var state = Pop();
                    Build(Peek(), state);
                    break;
                }

                case 'Q': // BINPERSID
                {
                    var pid = Pop() as PickleTuple ?? throw Bad("persistent id is not a tuple");
                    Push(_persistentLoad(pid));
                    break;
                }

                case '0': // POP
                    Pop();
                    break;
                case '2': // DUP
                    Push(Peek());
                    break;
                case '1': // POP_MARK
                    PopMark();
                    break;
                default:
                    throw Bad($"pickle opcode 0x{op:x2} is not supported by this restricted reader");
            }
        }
    }

    private object ResolveGlobal(string module, string name)
    {
        var full = $"{module}.{name}";
        if (module.StartsWith("__torch__", StringComparison.Ordinal))
        {
            return new PickleGlobal(module, name);
        }

        switch (full)
        {
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
            case "collections.OrderedDict":
            case "builtins.set":
            case "torch.jit._pickle.restore_type_tag":
            case "torch.jit._pickle.build_intlist":
            case "torch.jit._pickle.build_doublelist":
            case "torch.jit._pickle.build_boollist":
            case "torch.jit._pickle.build_tensorlist":
                return new PickleGlobal(module, name);
        }

        if (module == "torch" && StorageDtype(name) is not null)
        {
            return new PickleGlobal(module, name);
        }

        throw new InvalidDataException(
            $"{_origin}: the checkpoint refers to '{full}', which this loader does not allow (it only rebuilds tensors and dicts and never runs code from a file).");
    }

    /// <summary>The tensor dtype of a <c>torch.*Storage</c> type name, or null.</summary>
    public static ScalarType? StorageDtype(string name) => name switch
    {
        "FloatStorage" => ScalarType.Float32,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "DoubleStorage" => ScalarType.Float64,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        _ => null,
    };

    private object? Call(object? callable, PickleTuple args)
    {
        if (callable is not PickleGlobal g)
        {
            throw Bad($"REDUCE on {Describe(callable)}, which is not an allowed callable");
        }

        switch (g.FullName)
        {
            case "collections.OrderedDict":
                return new PickleDict();
            case "builtins.set":
                return args.Count > 0 && args[0] is List<object?> items ? new List<object?>(items) : new List<object?>();
            case "torch._utils._rebuild_tensor_v2":
                return RebuildTensor(args);
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return args.Count > 0 && args[0] is Tensor t ? t : throw Bad("_rebuild_parameter without a tensor");
            case "torch.jit._pickle.restore_type_tag":
                return args.Count > 0 ? args[0] : null;
            case "torch.jit._pickle.build_intlist":
            case "torch.jit._pickle.build_doublelist":
            case "torch.jit._pickle.build_boollist":
            case "torch.jit._pickle.build_tensorlist":
                return args.Count > 0 ? args[0] : new List<object?>();
            default:
                throw Bad($"'{g.FullName}' cannot be called");
        }
    }

    private static object New(object? cls, PickleTuple args)
    {
        _ = args;
        return cls is PickleGlobal g && g.Module.StartsWith("__torch__", StringComparison.Ordinal)
            ? new PickleObject(g.FullName)
            : throw new InvalidDataException($"NEWOBJ of {Describe(cls)} is not allowed (only TorchScript module classes).");
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case PickleObject obj when state is PickleDict dict:
                foreach (var (k, v) in dict.Items)
                {
                    obj.Attributes.Set(k, v);
                }

                break;
            case PickleObject:
                // TorchScript objects with custom __setstate__ (e.g. packed params) carry opaque state; keep nothing.
                break;
            case Tensor:
                // _rebuild_parameter_with_state style BUILD of Python attributes on a tensor: ignored.
                break;
            default:
                throw Bad($"BUILD on {Describe(target)} is not supported");
        }
    }

    private Tensor RebuildTensor(PickleTuple args)
    {
        if (args.Count < 4 || args[0] is not Storage storage)
        {
            throw Bad("_rebuild_tensor_v2 with unexpected arguments");
        }

        var offset = ToLong(args[1]);
        var size = ToLongs(args[2]);
        var stride = ToLongs(args[3]);
        var numel = size.Aggregate(1L, (a, b) => a * b);
        if (numel == 0)
        {
            return zeros(size, storage.Dtype);
        }

        var last = offset + size.Zip(stride, (s, st) => (s - 1) * st).Sum();
        if (offset < 0 || last >= storage.Data.numel() || stride.Any(s => s < 0))
        {
            throw Bad($"a tensor of shape [{string.Join(",", size)}] reaches outside its storage of {storage.Data.numel()} elements");
        }

        return storage.Data.as_strided(size, stride, offset).clone();
    }

    private static long ToLong(object? value) => value switch
    {
        long l => l,
        BigInteger b => (long)b,
        bool flag => flag ? 1 : 0,
        _ => throw new InvalidDataException($"expected an integer, found {Describe(value)}"),
    };

    private static long[] ToLongs(object? value) => value switch
    {
        PickleTuple t => t.Items.Select(ToLong).ToArray(),
        List<object?> l => l.Select(ToLong).ToArray(),
        _ => throw new InvalidDataException($"expected a tuple of integers, found {Describe(value)}"),
    };

    private object ReadLong(long length)
    {
        var bytes = ReadExactly(length);
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private byte[] ReadExactly(long length)
    {
        if (length < 0 || length > int.MaxValue)
        {
            throw Bad($"a pickle item of {length} bytes");
        }

        var bytes = _reader.ReadBytes((int)length);
        return bytes.Length == length ? bytes : throw Bad("the pickle ends early");
    }

    private string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var b = _reader.ReadByte();
            if (b == '\n')
            {
                return sb.ToString();
            }

            sb.Append((char)b);
        }
    }

    private object Key(object? key) => key ?? throw Bad("a dict key is None");

    private object? Memo(long index) => _memo.TryGetValue(index, out var v) ? v : throw Bad($"memo {index} is unset");

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count))
        {
            throw Bad("the pickle stack underflows");
        }

        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Bad("the pickle stack is empty");

    private List<object?> PopMark()
    {
        if (_marks.Count == 0)
        {
            throw Bad("no MARK on the stack");
        }

        var start = _marks.Pop();
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private PickleDict AsDict(object? value) => value as PickleDict ?? throw Bad($"SETITEM on {Describe(value)}");

    private List<object?> AsList(object? value) => value as List<object?> ?? throw Bad($"APPEND on {Describe(value)}");

    private InvalidDataException Bad(string what) => new($"{_origin}: {what}.");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal g => g.FullName,
        _ => value.GetType().Name,
    };
}
