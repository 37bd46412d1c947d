using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// A TensorFlow.js graph model (<c>model.json</c>: a TF GraphDef topology plus a weights manifest) run with TorchSharp.
/// The graph is compiled once into a list of steps over the ops MediaPipe's face models use: <c>_FusedConv2D</c>
/// (BiasAdd, then optionally Relu, Relu6 or Prelu), <c>DepthwiseConv2dNative</c>, <c>AddV2</c>, <c>Prelu</c>,
/// <c>Relu</c>, <c>MaxPool</c>, <c>Pad</c>, <c>Sigmoid</c>, <c>Reshape</c>, <c>ConcatV2</c>, <c>Mean</c>, <c>Softmax</c>,
/// <c>Identity</c> (the ops of MediaPipe's face models and of Human's emotion net); any
/// other op is refused when the model loads. Activations run as NCHW (TF's NHWC is converted at the input, at reshapes
/// and at the outputs); weights live on the model's device; every op is batched.
/// </summary>
public sealed class TfjsGraphModel : IDisposable
{
    private readonly List<Step> _steps = [];
    private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
    private readonly string _input;

    private TfjsGraphModel(string source, Device device, string input, IReadOnlyList<string> outputs, IReadOnlyList<long> inputShape)
    {
        (Source, Device, _input, Outputs, InputShape) = (source, device, input, outputs, inputShape);
    }

    /// <summary>The model.json this model was read from.</summary>
    public string Source { get; }

    public Device Device { get; }

    /// <summary>The graph's output nodes (the <c>Identity</c> nodes no other node reads), in name order.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The placeholder's TF shape (NHWC; -1 for the batch).</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>Reads and compiles a graph model. Throws <see cref="InvalidDataException"/> for a malformed file or an op
    /// this runtime does not implement.</summary>
    public static TfjsGraphModel Load(string modelJson, Device? device = null)
    {
        if (!File.Exists(modelJson))
        {
            throw new FileNotFoundException($"TFJS graph model not found: {modelJson}", modelJson);
        }

        device ??= CPU;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(modelJson));
        var root = doc.RootElement;
        if (!root.TryGetProperty("modelTopology", out var topology) || !topology.TryGetProperty("node", out var nodeList) ||
            !root.TryGetProperty("weightsManifest", out var manifest))
        {
            throw new InvalidDataException($"{modelJson}: not a TFJS graph model (modelTopology.node and weightsManifest expected).");
        }

        var weights = TfjsWeightMap.Load(manifest, Path.GetDirectoryName(Path.GetFullPath(modelJson))!, modelJson);
        var nodes = nodeList.EnumerateArray().Select(n => Node.Parse(n, modelJson)).ToList();
        var placeholder = nodes.SingleOrDefault(n => n.Op == "Placeholder") ?? throw new InvalidDataException($"{modelJson}: the graph has no single input.");
        var read = nodes.SelectMany(n => n.Inputs).ToHashSet(StringComparer.Ordinal);
        var outputs = nodes.Where(n => n.Op == "Identity" && !read.Contains(n.Name)).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
        var shape = placeholder.Attr.TryGetProperty("shape", out var s) && s.TryGetProperty("shape", out var ss) && ss.TryGetProperty("dim", out var dims)
            ? dims.EnumerateArray().Select(d => long.Parse(d.GetProperty("size").GetString() ?? "-1", System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : [];
        var model = new TfjsGraphModel(modelJson, device, placeholder.Name, outputs, shape);
        try
        {
            model.Compile(nodes, weights);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    /// <summary>Runs the graph on <paramref name="input"/> (NCHW, as the graph's NHWC placeholder expects it after a
    /// transpose) and returns every output in TF layout (4-D outputs as NHWC), by output name.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var values = new Dictionary<string, Value>(StringComparer.Ordinal) { [_input] = new(input, Nchw: input.dim() == 4) };
        foreach (var step in _steps)
        {
            values[step.Name] = step.Run(values);
        }

        return Outputs.ToDictionary(o => o, o => values[o].Tf(), StringComparer.Ordinal);
    }

    public void Dispose()
    {
        foreach (var t in _constants.Values)
        {
            t.Dispose();
        }

        _constants.Clear();
    }

    private void Compile(List<Node> nodes, TfjsWeightMap weights)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var node in nodes)
        {
            switch (node.Op)
            {
                case "Placeholder":
                    break;
                case "Const":
                    if (!weights.Contains(node.Name))
                    {
                        throw new InvalidDataException($"{Source}: constant '{node.Name}' is not in the weights manifest.");
                    }

                    break;
                case "_FusedConv2D":
                    _steps.Add(FusedConv(node, weights));
                    break;
                case "DepthwiseConv2dNative":
                    _steps.Add(Depthwise(node, weights));
                    break;
                case "AddV2":
                    _steps.Add(new Step(node.Name, v => Same(v[node.Inputs[0]], Arg(v, node.Inputs[0]) + Arg(v, node.Inputs[1]))));
                    break;
                case "Prelu":
                {
                    var alpha = ChannelVector(weights, node.Inputs[1]);
                    _steps.Add(new Step(node.Name, v => Same(v[node.Inputs[0]], Prelu(Arg(v, node.Inputs[0]), alpha))));
                    break;
                }

                case "Relu":
                    _steps.Add(new Step(node.Name, v => Same(v[node.Inputs[0]], nn.functional.relu(Arg(v, node.Inputs[0])))));
                    break;
                case "Sigmoid":
                    _steps.Add(new Step(node.Name, v => Same(v[node.Inputs[0]], Arg(v, node.Inputs[0]).sigmoid())));
                    break;
                case "Identity":
                    _steps.Add(new Step(node.Name, v => v[node.Inputs[0]]));
                    break;
                case "MaxPool":
                    _steps.Add(MaxPool(node));
                    break;
                case "Pad":
                    _steps.Add(Pad(node, weights));
                    break;
                case "Reshape":
                {
                    var target = Ints(weights, node.Inputs[1]);
                    _steps.Add(new Step(node.Name, v => Reshape(v[node.Inputs[0]], target)));
                    break;
                }

                case "Mean":
                {
                    var axes = Ints(weights, node.Inputs[1]);
                    var keep = node.Attr.TryGetProperty("keep_dims", out var k) && k.TryGetProperty("b", out var b) && b.GetBoolean();
                    _steps.Add(new Step(node.Name, v => Mean(v[node.Inputs[0]], axes, keep)));
                    break;
                }

                case "Softmax":
                    _steps.Add(new Step(node.Name, v => Softmax(v[node.Inputs[0]])));
                    break;
                case "ConcatV2":
                {
                    var axis = (int)Ints(weights, node.Inputs[^1])[0];
                    var parts = node.Inputs[..^1];
                    _steps.Add(new Step(node.Name, v => Concat(parts.Select(p => v[p]).ToList(), axis)));
                    break;
                }

                default:
                    throw new InvalidDataException($"{Source}: op '{node.Op}' (node '{node.Name}') is not implemented.");
            }
        }
    }

    private Step FusedConv(Node node, TfjsWeightMap weights)
    {
        var fused = node.Strings("fused_ops");
        // The bias is one extra argument, a Prelu's alpha another; Relu and Relu6 take none.
        if (fused.Count == 0 || fused[0] != "BiasAdd" || fused.Count > 2 || node.Int("num_args") != (fused is [_, "Prelu"] ? 2 : 1))
        {
            throw new InvalidDataException($"{Source}: _FusedConv2D '{node.Name}' fuses [{string.Join(", ", fused)}]; BiasAdd then at most one activation is implemented.");
        }

        var filter = Constant(node.Inputs[1], () => weights.Tensor(node.Inputs[1]).permute(3, 2, 0, 1).contiguous()); // HWIO -> OIHW
        var bias = Constant(node.Inputs[2], () => weights.Tensor(node.Inputs[2]).flatten());
        var activation = fused.Count == 2 ? fused[1] : null;
        var alpha = activation == "Prelu" ? ChannelVector(weights, node.Inputs[3]) : null;
        if (activation is not null and not "Prelu" and not "Relu" and not "Relu6")
        {
            throw new InvalidDataException($"{Source}: _FusedConv2D '{node.Name}' fuses activation '{activation}', which is not implemented.");
        }

        var (stride, dilation, padding) = Window(node);
        var kernel = (int)filter.shape[2];
        if (filter.shape[3] != kernel)
        {
            throw new InvalidDataException($"{Source}: '{node.Name}' has a non-square filter.");
        }

        return new Step(node.Name, v =>
        {
            var x = Padded(Arg(v, node.Inputs[0]), padding, kernel, stride, dilation);
            var y = nn.functional.conv2d(x, filter, bias, strides: [stride, stride], dilation: [dilation, dilation]);
            y = activation switch
            {
                "Prelu" => Prelu(y, alpha!),
                "Relu" => nn.functional.relu(y),
                "Relu6" => y.clamp(0, 6),
                _ => y,
            };
            return new Value(y, Nchw: true);
        });
    }

    private Step Depthwise(Node node, TfjsWeightMap weights)
    {
        // HWCM -> (C*M) x 1 x H x W, output channel c*M + m as TF orders them.
        var shape = weights.ShapeOf(node.Inputs[1]);
        var filter = Constant(node.Inputs[1], () => weights.Tensor(node.Inputs[1]).permute(2, 3, 0, 1).reshape(shape[2] * shape[3], 1, shape[0], shape[1]).contiguous());
        var (stride, dilation, padding) = Window(node);
        var kernel = (int)shape[0];
        var groups = shape[2];
        return new Step(node.Name, v =>
        {
            var x = Padded(Arg(v, node.Inputs[0]), padding, kernel, stride, dilation);
            return new Value(nn.functional.conv2d(x, filter, strides: [stride, stride], dilation: [dilation, dilation], groups: groups), Nchw: true);
        });
    }

    private Step MaxPool(Node node)
    {
        var k = node.Ints("ksize");
        var (stride, _, padding) = Window(node);
        var kernel = (int)k[1];
        if (k[2] != kernel)
        {
            throw new InvalidDataException($"{Source}: MaxPool '{node.Name}' has a non-square window.");
        }

        return new Step(node.Name, v =>
        {
            var x = Arg(v, node.Inputs[0]);
            if (padding == "SAME")
            {
                var (top, bottom) = TfOps.SamePadding(x.shape[2], kernel, stride);
                var (left, right) = TfOps.SamePadding(x.shape[3], kernel, stride);
                x = nn.functional.pad(x, [left, right, top, bottom], PaddingModes.Constant, double.NegativeInfinity);
            }

            return new Value(nn.functional.max_pool2d(x, [kernel, kernel], [stride, stride]), Nchw: true);
        });
    }

    private Step Pad(Node node, TfjsWeightMap weights)
    {
        var p = Ints(weights, node.Inputs[1]); // [[n0, n1], [h0, h1], [w0, w1], [c0, c1]] in NHWC
        if (p.Length != 8 || p[0] != 0 || p[1] != 0)
        {
            throw new InvalidDataException($"{Source}: Pad '{node.Name}' pads other than H, W and C of a 4-D tensor.");
        }

        long[] pads = [p[4], p[5], p[2], p[3], p[6], p[7]]; // NCHW: W, then H, then C
        return new Step(node.Name, v => new Value(nn.functional.pad(Arg(v, node.Inputs[0]), pads), Nchw: true));
    }

    /// <summary>Stride and dilation (square, TF NHWC lists) and the padding mode of a windowed op.</summary>
    private (int Stride, int Dilation, string Padding) Window(Node node)
    {
        var strides = node.Ints("strides");
        var dilations = node.Attr.TryGetProperty("dilations", out _) ? node.Ints("dilations") : [1, 1, 1, 1];
        var padding = node.String("padding");
        if (strides.Count != 4 || strides[1] != strides[2] || dilations[1] != dilations[2] || node.StringOr("data_format", "NHWC") != "NHWC")
        {
            throw new InvalidDataException($"{Source}: '{node.Name}' has strides or dilations this runtime does not implement.");
        }

        if (padding is not "SAME" and not "VALID")
        {
            throw new InvalidDataException($"{Source}: '{node.Name}' has padding '{padding}'; SAME and VALID are implemented.");
        }

        return ((int)strides[1], (int)dilations[1], padding);
    }

    private static Tensor Padded(Tensor x, string padding, int kernel, int stride, int dilation) =>
        padding == "SAME" ? TfOps.PadSame(x, ((kernel - 1) * dilation) + 1, stride) : x;

    private static Tensor Prelu(Tensor x, Tensor alpha) => nn.functional.relu(x) - (alpha * nn.functional.relu(-x));

    /// <summary>A per-channel constant of TF shape [..., C] as [1, C, 1, 1].</summary>
    private Tensor ChannelVector(TfjsWeightMap weights, string name) =>
        Constant(name, () => weights.Tensor(name).flatten().view(1, -1, 1, 1));

    private Tensor Constant(string name, Func<Tensor> make)
    {
        if (!_constants.TryGetValue(name, out var t))
        {
            t = make().to(Device).DetachFromDisposeScope(); // the intermediates go with Compile's scope
            _constants[name] = t;
        }

        return t;
    }

    private long[] Ints(TfjsWeightMap weights, string name)
    {
        if (!weights.Contains(name))
        {
            throw new InvalidDataException($"{Source}: constant '{name}' is not in the weights manifest.");
        }

        return weights.ValuesOf(name).ToArray().Select(f => (long)f).ToArray();
    }

    /// <summary>An input as an activation tensor (a constant input is refused: these graphs add activations only).</summary>
    private static Tensor Arg(Dictionary<string, Value> values, string name) =>
        values.TryGetValue(name, out var v) ? v.Tensor : throw new InvalidDataException($"input '{name}' is not computed by an earlier node.");

    private static Value Same(Value like, Tensor t) => new(t, like.Nchw);

    private static Value Reshape(Value x, long[] shape)
    {
        var tf = x.Tf().reshape(shape);
        return tf.dim() == 4 ? new Value(tf.permute(0, 3, 1, 2), Nchw: true) : new Value(tf, Nchw: false);
    }

    /// <summary>TF's Mean over the given axes (of the NHWC layout), keeping them as size 1 or not.</summary>
    private static Value Mean(Value x, long[] axes, bool keep)
    {
        var tf = x.Tf();
        var mean = tf.mean(axes.Select(a => a < 0 ? a + tf.dim() : a).ToArray(), keepdim: keep);
        return mean.dim() == 4 ? new Value(mean.permute(0, 3, 1, 2), Nchw: true) : new Value(mean, Nchw: false);
    }

    /// <summary>TF's Softmax over the last axis (channels, for a 4-D activation).</summary>
    private static Value Softmax(Value x) => x.Nchw ? new Value(x.Tensor.softmax(1), Nchw: true) : new Value(x.Tensor.softmax(-1), Nchw: false);

    private static Value Concat(List<Value> parts, int axis)
    {
        if (parts.All(p => p.Nchw))
        {
            var normalised = axis < 0 ? axis + 4 : axis;
            var nchwAxis = normalised switch { 0 => 0, 1 => 2, 2 => 3, _ => 1 };
            return new Value(cat(parts.Select(p => p.Tensor).ToArray(), nchwAxis), Nchw: true);
        }

        return new Value(cat(parts.Select(p => p.Tf()).ToArray(), axis), Nchw: false);
    }

    /// <summary>A computed tensor and whether it is a 4-D activation held as NCHW.</summary>
    private sealed record Value(Tensor Tensor, bool Nchw)
    {
        /// <summary>The tensor in TF layout.</summary>
        public Tensor Tf() => Nchw ? Tensor.permute(0, 2, 3, 1) : Tensor;
    }

    private sealed record Step(string Name, Func<Dictionary<string, Value>, Value> Run);

    private sealed record Node(string Name, string Op, string[] Inputs, JsonElement Attr)
    {
        public static Node Parse(JsonElement e, string source)
        {
            var name = e.GetProperty("name").GetString() ?? throw new InvalidDataException($"{source}: a node without a name.");
            var op = e.GetProperty("op").GetString() ?? throw new InvalidDataException($"{source}: node '{name}' has no op.");
            var inputs = e.TryGetProperty("input", out var i)
                ? i.EnumerateArray().Select(x => x.GetString()!).Where(x => !x.StartsWith('^')).Select(x => x.Split(':')[0]).ToArray()
                : [];
            var attr = e.TryGetProperty("attr", out var a) ? a.Clone() : default;
            return new Node(name, op, inputs, attr);
        }

        public IReadOnlyList<long> Ints(string key) =>
            Attr.GetProperty(key).GetProperty("list").TryGetProperty("i", out var list)
                ? list.EnumerateArray().Select(x => long.Parse(x.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList()
                : [];

        public long Int(string key) => long.Parse(Attr.GetProperty(key).GetProperty("i").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        public IReadOnlyList<string> Strings(string key) =>
            Attr.TryGetProperty(key, out var v) && v.GetProperty("list").TryGetProperty("s", out var list)
                ? list.EnumerateArray().Select(x => Encoding.UTF8.GetString(Convert.FromBase64String(x.GetString()!))).ToList()
                : [];

        public string String(string key) => Encoding.UTF8.GetString(Convert.FromBase64String(Attr.GetProperty(key).GetProperty("s").GetString()!));

        public string StringOr(string key, string fallback) => Attr.TryGetProperty(key, out _) ? String(key) : fallback;
    }
}
