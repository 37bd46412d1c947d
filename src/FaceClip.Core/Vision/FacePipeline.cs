using FaceClip.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// face-api's <c>detectAllFaces(...).withFaceLandmarks().withFaceExpressions().withFaceDescriptors()</c> in TorchSharp:
/// detect, then per face the 68 landmarks (on the detection box crop), the expression (on the landmark box padded by 20%)
/// and the 128-D descriptor (on the dlib-style eye/mouth crop), with face-api's crops, square padding and resizing.
/// Faces are batched through each net. An image without faces gives an empty <see cref="FaceAnalysis.Faces"/>.
/// </summary>
public sealed class FacePipeline : IDisposable
{
    private FacePipeline(SsdMobileNetV1 detector, TinyFaceDetector tiny, FaceLandmarkNet landmarks, FaceRecognitionNet recognition, FaceExpressionNet expressions, Device device)
    {
        Detector = new FaceDetector(detector);
        TinyDetector = tiny;
        LandmarkNet = landmarks;
        RecognitionNet = recognition;
        ExpressionNet = expressions;
        Device = device;
    }

    public FaceDetector Detector { get; }

    /// <summary>face-api's tiny face detector: faster, less accurate; use with <see cref="Analyse(FaceImage, IReadOnlyList{FaceDetection}, bool, bool)"/>.</summary>
    public TinyFaceDetector TinyDetector { get; }

    public FaceLandmarkNet LandmarkNet { get; }

    public FaceRecognitionNet RecognitionNet { get; }

    public FaceExpressionNet ExpressionNet { get; }

    public Device Device { get; }

    /// <summary>Loads the four nets from a folder holding face-api's <c>*-weights_manifest.json</c> files and shards.</summary>
    public static FacePipeline Load(string modelDirectory, Device? device = null)
    {
        device ??= CPU;
        string M(string name) => Path.Combine(modelDirectory, $"{name}-weights_manifest.json");
        var ssd = new SsdMobileNetV1(TfjsWeightMap.Load(M("ssd_mobilenetv1_model")));
        var tiny = new TinyFaceDetector(TfjsWeightMap.Load(M("tiny_face_detector_model")));
        var lm = new FaceLandmarkNet(TfjsWeightMap.Load(M("face_landmark_68_model")));
        var rec = new FaceRecognitionNet(TfjsWeightMap.Load(M("face_recognition_model")));
        var expr = new FaceExpressionNet(TfjsWeightMap.Load(M("face_expression_model")));
        foreach (nn.Module m in new nn.Module[] { ssd, tiny, lm, rec, expr })
        {
            m.to(device);
            m.eval();
        }

        return new FacePipeline(ssd, tiny, lm, rec, expr, device);
    }

    /// <summary>Loads from the model store's <c>face-api</c> asset (node_modules/@vladmandic/face-api/model).</summary>
    public static FacePipeline Load(ModelStore store, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var manifest = store.Require("face-api").PathOf("ssd_mobilenetv1_model-weights_manifest.json");
        return Load(Path.GetDirectoryName(manifest)!, device);
    }

    /// <summary>Decodes a file (EXIF orientation honoured) and analyses it. Throws <see cref="FaceImageException"/> for bad files.</summary>
    public FaceAnalysis Analyse(string imagePath)
    {
        using var image = FaceImage.Load(imagePath);
        return Analyse(image);
    }

    /// <summary>Analyses a decoded image. <paramref name="expressions"/> false skips the expression net (zero probabilities),
    /// <paramref name="descriptors"/> false skips the recognition net (zero descriptors).</summary>
    public FaceAnalysis Analyse(FaceImage image, bool expressions = true, bool descriptors = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Analyse(image, Detector.Detect(image), expressions, descriptors);
    }

    /// <summary>Landmarks, expressions and descriptors for given detections (e.g. from <see cref="TinyDetector"/>).</summary>
    public FaceAnalysis Analyse(FaceImage image, IReadOnlyList<FaceDetection> detections, bool expressions = true, bool descriptors = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var pixels = image.Pixels.to(Device);
        var kept = new List<(FaceDetection Det, FaceBox Crop)>();
        foreach (var d in detections)
        {
            var crop = d.Box.ClipFloor(image.Width, image.Height);
            if (crop.Width > 0 && crop.Height > 0)
            {
                kept.Add((d, crop));
            }
        }

        if (kept.Count == 0)
        {
            return new FaceAnalysis(image.Width, image.Height, Array.Empty<DetectedFace>());
        }

        // Landmarks on the detection crops.
        var lmInput = torch.cat(kept.Select(k => CropSquare(pixels, k.Crop, FaceLandmarkNet.InputSize)).ToArray(), 0);
        var lmOut = LandmarkNet.forward(lmInput).cpu().data<float>().ToArray();
        var landmarks = new List<(double X, double Y)[]>();
        for (var f = 0; f < kept.Count; f++)
        {
            landmarks.Add(ToImagePoints(lmOut.AsSpan(f * 136, 136), kept[f].Crop, kept[f].Det.Box));
        }

        // Expression crops (landmark bounds + 20%) and descriptor crops (dlib eyes/mouth), both clipped like face-api.
        var exprBoxes = landmarks.Select(PaddedLandmarkBox).ToList();
        var descBoxes = landmarks.Select((p, f) => DlibBox(p, kept[f].Crop)).ToList();
        var exprIdx = Enumerable.Range(0, kept.Count).Where(f => exprBoxes[f].ClipFloor(image.Width, image.Height) is { Width: > 0, Height: > 0 }).ToList();
        var descIdx = Enumerable.Range(0, kept.Count).Where(f => descBoxes[f].ClipFloor(image.Width, image.Height) is { Width: > 0, Height: > 0 }).ToList();

        var probs = new float[kept.Count][];
        if (expressions && exprIdx.Count > 0)
        {
            var input = torch.cat(exprIdx.Select(f => CropSquare(pixels, exprBoxes[f].ClipFloor(image.Width, image.Height), FaceExpressionNet.InputSize)).ToArray(), 0);
            var p = ExpressionNet.forward(input).softmax(1).cpu().data<float>().ToArray();
            for (var i = 0; i < exprIdx.Count; i++)
            {
                probs[exprIdx[i]] = p.AsSpan(i * 7, 7).ToArray();
            }
        }

        var descriptorValues = new float[kept.Count][];
        if (descriptors && descIdx.Count > 0)
        {
            var input = torch.cat(descIdx.Select(f => CropSquare(pixels, descBoxes[f].ClipFloor(image.Width, image.Height), FaceRecognitionNet.InputSize)).ToArray(), 0);
            var d = RecognitionNet.forward(input).cpu().data<float>().ToArray();
            for (var i = 0; i < descIdx.Count; i++)
            {
                descriptorValues[descIdx[i]] = d.AsSpan(i * 128, 128).ToArray();
            }
        }

        var faces = new List<DetectedFace>(kept.Count);
        for (var f = 0; f < kept.Count; f++)
        {
            faces.Add(new DetectedFace(
                kept[f].Det.Box,
                kept[f].Det.Score,
                landmarks[f].Select(p => ((float)p.X, (float)p.Y)).ToArray(),
                descriptorValues[f] ?? new float[128],
                new FaceExpressions(probs[f] ?? new float[7]))
            {
                DescriptorCrop = descBoxes[f],
                ExpressionCrop = exprBoxes[f],
            });
        }

        return new FaceAnalysis(image.Width, image.Height, faces);
    }

    /// <summary>face-api's crop + <c>toBatchTensor(size, isCenterInputs: true)</c>: the box region, zero-padded on both sides
    /// of the short dimension to a square (the larger half after), resized with TF legacy bilinear. 1 x 3 x size x size.</summary>
    public static Tensor CropSquare(Tensor pixels, FaceBox box, int size)
    {
        var x = (long)box.X;
        var y = (long)box.Y;
        var w = (long)box.Width;
        var h = (long)box.Height;
        var crop = pixels[.., .., TensorIndex.Slice(y, y + h), TensorIndex.Slice(x, x + w)];
        if (h != w)
        {
            var diff = Math.Abs(h - w);
            var after = (long)FaceDetector.JsRound(diff * 0.5);
            var before = diff - after;
            crop = h > w
                ? nn.functional.pad(crop, new[] { before, after, 0L, 0L })
                : nn.functional.pad(crop, new[] { 0L, 0L, before, after });
        }

        return TfOps.ResizeBilinearLegacy(crop, size, size);
    }

    /// <summary>face-api's landmark post-processing: undo the square padding, scale to the crop, shift by the (unclipped) detection corner.</summary>
    private static (double X, double Y)[] ToImagePoints(ReadOnlySpan<float> output, FaceBox crop, FaceBox detection)
    {
        const double size = FaceLandmarkNet.InputSize;
        var scale = size / Math.Max(crop.Width, crop.Height);
        var sw = crop.Width * scale;
        var sh = crop.Height * scale;
        var padX = sw < sh ? Math.Abs(sw - sh) / 2 : 0;
        var padY = sh < sw ? Math.Abs(sw - sh) / 2 : 0;
        var points = new (double X, double Y)[68];
        for (var i = 0; i < 68; i++)
        {
            var rx = ((output[2 * i] * size) - padX) / sw;
            var ry = ((output[(2 * i) + 1] * size) - padY) / sh;
            points[i] = ((rx * crop.Width) + detection.X, (ry * crop.Height) + detection.Y);
        }

        return points;
    }

    /// <summary>FaceLandmarks.align(): the landmarks' bounding box (max starting at 0, as face-api) padded by 20%: the
    /// expression net's crop.</summary>
    public static FaceBox PaddedLandmarkBox(IReadOnlyList<(double X, double Y)> p)
    {
        var minX = p.Min(q => q.X);
        var minY = p.Min(q => q.Y);
        var maxX = Math.Max(0, p.Max(q => q.X));
        var maxY = Math.Max(0, p.Max(q => q.Y));
        var w = maxX - minX;
        var h = maxY - minY;
        return new FaceBox(minX - (w * 0.2 / 2), minY - (h * 0.2 / 2), w * 1.2, h * 1.2);
    }

    /// <summary>face-api's FaceLandmarks.alignDlib() box (<see cref="FaceAligner.DescriptorBox"/>), clipped as face-api
    /// clips it: the corner at the image origin at least, the size no larger than the landmark crop allows.</summary>
    private static FaceBox DlibBox((double X, double Y)[] p, FaceBox landmarkCrop)
    {
        var box = FaceAligner.DescriptorBox(p);
        var x = Math.Max(0, box.X);
        var y = Math.Max(0, box.Y);
        return new FaceBox(x, y, Math.Min(box.Width, landmarkCrop.Width + x), Math.Min(box.Height, landmarkCrop.Height + y));
    }

    public void Dispose()
    {
        Detector.Net.Dispose();
        TinyDetector.Dispose();
        LandmarkNet.Dispose();
        RecognitionNet.Dispose();
        ExpressionNet.Dispose();
    }
}
