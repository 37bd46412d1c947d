using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>The fixed parts of a subject on the device, batched for <c>count</c> renders.</summary>
internal sealed class TransferScene
{
    private readonly ExpressionTransfer _owner;
    private readonly int _count;
    private readonly Tensor _fittedAngles;
    private readonly Tensor _translation;
    private readonly Tensor _lighting;
    private readonly Tensor _albedo;
    private readonly Tensor? _uv;
    private readonly Tensor _photo;
    private readonly MeshRenderer _renderer;
    private readonly Tensor _angles;

    public TransferScene(ExpressionTransfer owner, TransferSubject subject, int count)
    {
        _owner = owner;
        _count = count;
        var model = owner.Model;
        var device = model.Device;
        var layout = model.Layout;
        Tensor Part(int offset, int length) => tensor(subject.Codes.AsSpan(offset, length).ToArray(), device: device).view(1, length);
        Shape = Part(layout.ShapeOffset, layout.Shape);
        Beta = Part(layout.ExpressionOffset, layout.Expression);
        TextureCodes = Part(layout.TextureOffset, layout.Texture);
        _angles = Part(layout.RotationOffset, FaceCodeLayout.Rotation);
        _fittedAngles = _angles.expand(count, 3);
        _translation = Part(layout.TranslationOffset, FaceCodeLayout.Translation).expand(count, 3);
        _lighting = Part(layout.LightingOffset, FaceCodeLayout.Lighting).expand(count, FaceCodeLayout.Lighting);
        _albedo = model.ComputeAlbedo(TextureCodes).clamp(0, 1);
        if (subject.Texture is not null)
        {
            using var image = FaceImage.FromImage(subject.Texture, device);
            _uv = (image.Pixels / 255.0).expand(count, -1, -1, -1);
        }

        var size = subject.Camera.Width;
        _photo = subject.Photo is null
            ? full(1, 3, size, size, 0.5f, device: device)
            : subject.Crop.Extract(subject.Photo.Pixels.to(device));
        Camera = subject.Camera;
        _renderer = new MeshRenderer(subject.Camera);
    }

    public Tensor Shape { get; }

    /// <summary>One random view per render: the fitted head pose turned by a yaw and a pitch uniform in
    /// ±<see cref="TransferOptions.ViewJitter"/>, ±<see cref="TransferOptions.PitchJitter"/>; the fitted light,
    /// mirrored left-right with probability <see cref="TransferOptions.LightFlip"/>; the expression box scaled and
    /// shifted by up to <see cref="TransferOptions.CropJitter"/>. A range of 0 draws nothing from the generator.</summary>
    public View RandomViews(TransferOptions o, Generator generator, int fitted = 0)
    {
        var device = _angles.device;
        // The first `fitted` renders keep the fitted view (the draws are made all the same, so runs stay reproducible).
        var keep = cat([zeros(fitted, 1, device: device), ones(_count - fitted, 1, device: device)], 0);
        Tensor? angles = null;
        if (o.ViewJitter > 0 || o.PitchJitter > 0)
        {
            var offsets = (rand(_count, 3, generator: generator, device: device) * 2) - 1;
            var scale = tensor(new[] { (float)o.PitchJitter, (float)o.ViewJitter, 0f }, device: device);
            angles = _angles + (offsets * scale * keep);
        }

        Tensor? lighting = null;
        if (o.LightFlip > 0)
        {
            var flip = rand(_count, 1, generator: generator, device: device).lt(o.LightFlip).to(_lighting.dtype) * keep;
            lighting = _lighting * (1 + (flip * (MirrorLight(device).view(1, -1) - 1)));
        }

        float[]? crop = null;
        if (o.CropJitter > 0)
        {
            crop = (((rand(_count, 3, generator: generator, device: device) * 2) - 1) * o.CropJitter * keep).cpu().data<float>().ToArray();
        }

        return new View(angles, lighting, crop);
    }

    public Tensor Beta { get; }

    public Tensor TextureCodes { get; }

    public PerspectiveCamera Camera { get; }

    /// <summary>Per render: the head's Euler angles [N, 3], SH lighting [N, 27] and (scale, shift x, shift y) of the
    /// expression box [N x 3] on the CPU; null parts are the fitted ones.</summary>
    public sealed record View(Tensor? Angles, Tensor? Lighting, float[]? Crop);

    /// <summary>The posed heads [N, V, 3] with the given weights, at the fitted pose or turned to <paramref name="angles"/>.</summary>
    public Tensor Posed(Tensor weights, Tensor? angles = null) =>
        _owner.Model.Pose(Shape.expand(_count, -1), weights, angles ?? _fittedAngles, _translation);

    /// <summary>Renders the face with the given weights and composites it over the photo crop; also the expression boxes.</summary>
    public (Tensor Composite, IReadOnlyList<FaceBox> Boxes, Tensor Posed) Composite(Tensor weights, MeshTopology topology, CriticTexture texture, View? view = null)
    {
        var posed = Posed(weights, view?.Angles);
        var cameraVertices = Camera.ToCameraSpace(posed);
        var rendered = Draw(cameraVertices, topology, view?.Lighting ?? _lighting, texture);
        var composite = (rendered.Image * rendered.Mask) + (_photo * (1 - rendered.Mask));
        var boxes = Boxes(cameraVertices, FacePipeline.PaddedLandmarkBox);
        if (view?.Crop is { } c)
        {
            boxes = boxes.Select((b, k) =>
            {
                var (w, h) = (b.Width * (1 + c[3 * k]), b.Height * (1 + c[3 * k]));
                var (cx, cy) = (b.X + (b.Width / 2) + (c[(3 * k) + 1] * b.Width), b.Y + (b.Height / 2) + (c[(3 * k) + 2] * b.Height));
                return new FaceBox(cx - (w / 2), cy - (h / 2), w, h);
            }).ToList();
        }

        return (composite, boxes, posed);
    }

    /// <summary>The critic's face drawn as <see cref="TransferOptions.CriticTexture"/> asks.</summary>
    private RenderOutput Draw(Tensor cameraVertices, MeshTopology topology, Tensor lighting, CriticTexture texture) => texture switch
    {
        CriticTexture.Photo when _uv is not null => _renderer.Render(cameraVertices, topology, _albedo, lighting, _uv, cullBackFaces: true),
        CriticTexture.UpperFace when _uv is not null => _renderer.Render(cameraVertices, topology, _albedo, lighting, _uv, cullBackFaces: true, textureWeight: _owner.UpperFace),
        _ => _renderer.Render(cameraVertices, topology, _albedo, lighting, cullBackFaces: true),
    };

    /// <summary>The whole head as shown to people: with the subject's photo texture drawn unlit (the photo
    /// carries its own light), else the fitted albedo under the fitted light.</summary>
    public RenderOutput Display(Tensor weights, MeshTopology display)
    {
        var lighting = _uv is null ? _lighting : SphericalHarmonics.UnlitCodes((int)_lighting.shape[0], _lighting.device);
        return _renderer.Render(Camera.ToCameraSpace(Posed(weights)), display, _albedo, lighting, _uv, cullBackFaces: true);
    }

    /// <summary>A view the optimisation never saw: the head turned by <paramref name="yaw"/> (towards and past
    /// frontal) and lit by the fitted light mirrored left-right (the SH terms odd in x negated), rendered like the
    /// critic's view and composited over the photo crop.</summary>
    public (Tensor Image, IReadOnlyList<FaceBox> Boxes) HeldOut(Tensor weights, MeshTopology topology, double yaw, CriticTexture texture)
    {
        var current = _angles[0, 1].item<float>();
        var turned = _angles.clone();
        turned[0, 1] = turned[0, 1] - (Math.Sign(current == 0 ? 1 : current) * yaw);
        var cameraVertices = Camera.ToCameraSpace(Posed(weights, turned.expand(_count, 3)));
        var rendered = Draw(cameraVertices, topology, _lighting * MirrorLight(_lighting.device), texture);
        var image = (rendered.Image * rendered.Mask) + (_photo * (1 - rendered.Mask));
        return (image, Boxes(cameraVertices, FacePipeline.PaddedLandmarkBox));
    }

    /// <summary>Multiplier [27] of the SH lighting that mirrors it left-right (the terms odd in x negated, per colour).</summary>
    private static Tensor MirrorLight(Device device)
    {
        var mirror = ones(27, device: device);
        foreach (var c in new[] { 0, 9, 18 })
        {
            foreach (var k in new[] { 3, 4, 7 })
            {
                mirror[c + k] = -1;
            }
        }

        return mirror;
    }

    /// <summary>face-api's alignment boxes of posed heads [N, V, 3].</summary>
    public IReadOnlyList<FaceBox> DescriptorBoxes(Tensor posed) =>
        Boxes(Camera.ToCameraSpace(posed), p => FaceAligner.DescriptorBox(p));

    private IReadOnlyList<FaceBox> Boxes(Tensor cameraVertices, Func<IReadOnlyList<(double X, double Y)>, FaceBox> box) =>
        Landmarks(cameraVertices).Select(points => box(points.Select(p => ((double)p.X, (double)p.Y)).ToArray())).ToList();

    /// <summary>The model's 68 landmarks of posed heads [N, V, 3] in the pixels of the scene's renders (render.png).</summary>
    public IReadOnlyList<(float X, float Y)[]> DisplayLandmarks(Tensor posed) => Landmarks(Camera.ToCameraSpace(posed));

    private List<(float X, float Y)[]> Landmarks(Tensor cameraVertices)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = _owner.Model.LandmarkIndices;
        var projected = Camera.Project(cameraVertices.detach().index_select(1, ids)).cpu().data<float>().ToArray();
        return Enumerable.Range(0, (int)cameraVertices.shape[0])
            .Select(k => Enumerable.Range(0, 68).Select(i => (projected[((k * 68) + i) * 3], projected[(((k * 68) + i) * 3) + 1])).ToArray())
            .ToList();
    }
}
