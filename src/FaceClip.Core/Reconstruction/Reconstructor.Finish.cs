using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>The end of a fit: final renders, the UV texture, landmarks in photo pixels and the quality measures.</summary>
public sealed partial class Reconstructor
{
    private ReconstructionResult Finish(FitScene f, FitRun run, IFeatureCritic critic, FitInitialiser initialiser, ReconstructionOptions o,
        DisplacementMap? detail)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = Model.Device;
        var (image, analysis, faceIndex, face, crop, photo, camera, _) = f;
        var c = run.Fitted;
        var (shape, expression, texture, lighting) = (c.Shape, c.Expression, c.Texture, c.Lighting);
        var unposed = Model.ComputeShape(shape, expression);
        var posed = FaceModel.ApplyPose(unposed, FaceModel.ComputeRotation(c.Rotation), c.Translation); // Model.Pose(c), its shape reused
        var cameraVertices = camera.ToCameraSpace(posed);
        var albedo = Model.ComputeAlbedo(texture).clamp(0, 1);
        var renderer = new MeshRenderer(camera);

        // Quality on the fitting region (with the details, when the pass ran).
        var surfaceDetail = detail?.Detail;
        var fit = renderer.Render(cameraVertices, _fitting, albedo, lighting, cullBackFaces: true, detail: surfaceDetail);
        var error = (photo - fit.Image).abs().mean([1], keepdim: true);
        var photometricAll = (error * fit.Mask).sum() / fit.Mask.sum().clamp_min(1);
        var skinRegion = fit.Mask * (SkinProbability(photo, fit.Mask) > 0.5).to(fit.Mask.dtype);
        var photometric = (error * skinRegion).sum() / skinRegion.sum().clamp_min(1);
        var composite = (fit.Image * fit.Mask) + (photo * (1 - fit.Mask));
        var renderDescriptor = Faces.RecognitionNet.Descriptors(FaceCrop.CropResize(composite, f.Target.IdentityBoxes[0], FaceRecognitionNet.InputSize));
        var descriptorDistance = IdentityLoss.Distance(f.Target.PhotoFeatures.Descriptors.cpu().data<float>().ToArray(), renderDescriptor.cpu().data<float>().ToArray());

        using var ids = tensor(run.LandmarkIds[0], device: device);
        var projected = camera.Project(cameraVertices.index_select(1, ids)).narrow(2, 0, 2)[0].cpu().data<float>().ToArray();
        var landmarks = new (float X, float Y)[68];
        for (var i = 0; i < 68; i++)
        {
            var (x, y) = crop.ToPhoto(projected[2 * i], projected[(2 * i) + 1]);
            landmarks[i] = ((float)x, (float)y);
        }

        var detected = face.Landmarks.ToArray();
        var nme = Evaluation.LandmarkError.NmeByOuterEyeCorners(landmarks, detected);

        // The exported mesh (identity shape, the expressions as morph targets, the UV atlas) with its texture baked
        // from the photo.
        var identityShape = Model.ComputeShape(shape, zeros_like(expression));
        var details = detail is null ? null : Details(detail, identityShape, photo, fit, renderer.Render(cameraVertices, _fitting, albedo, lighting, cullBackFaces: true), skinRegion, o);
        var bumpScale = 0f;
        var bump = details is null ? null : DetailAtlas.Bump(details.Displacement, details.Resolution, out bumpScale);
        var exported = FaceMeshExport.Create(Model, identityShape[0], albedo[0], textureSize: 0, includeExpressions: true);
        // The texture holds the subject's skin, not the scene, and not the photo's expression (TextureCleaning).
        var cleaning = o.CleanTexture ? new TextureBaker.Cleaning(_skinParts, TextureCleaning.Strain(unposed, identityShape, _triangles, Model.VertexCount)) : null;
        var atlas = TextureBaker.Bake(exported, 4 * o.TextureSize, 2 * o.TextureSize, Model.VertexCount, cameraVertices, camera, crop,
            image.Pixels.to(device), albedo, lighting, _innerParts, cleaning);

        // The model as the fit sees it (fitted albedo under the fitted light, whole head) and, blended over the photo,
        // its front face: a picture of the fit itself, not of the photo re-projected through the texture.
        var renderPng = DisplayPng(renderer, cameraVertices, albedo, lighting, surfaceDetail);
        var overlay = PhotoOverlay.Blend(image.Pixels.to(device), fit.Image, fit.Mask, crop);
        var overlayPng = Png(overlay, null, 1f);

        var codes = new float[Model.Layout.Total];
        void Put(Tensor part, int offset) => part.cpu().data<float>().ToArray().CopyTo(codes, offset);
        Put(shape, Model.Layout.ShapeOffset);
        Put(expression, Model.Layout.ExpressionOffset);
        Put(texture, Model.Layout.TextureOffset);
        Put(c.Rotation, Model.Layout.RotationOffset);
        Put(c.Translation, Model.Layout.TranslationOffset);
        Put(lighting, Model.Layout.LightingOffset);

        return new ReconstructionResult
        {
            Layout = Model.Layout,
            Codes = codes,
            ExpressionNames = Model.Data.ExpressionNames,
            Camera = camera,
            Crop = crop,
            PhotoWidth = image.Width,
            PhotoHeight = image.Height,
            FaceIndex = faceIndex,
            FaceCount = analysis.Faces.Count,
            FaceBox = face.Box,
            Landmarks2d = landmarks,
            DetectedLandmarks2d = detected,
            LossHistory = run.History,
            Critic = critic.Kind,
            Initialiser = initialiser,
            CriticDescription = critic.Description,
            Device = Runtime.TorchRuntime.Describe(device),
            Timings = run.Timings,
            StageCodes = run.StageCodes,
            SkippedSteps = run.SkippedSteps,
            Vertices = unposed.cpu().data<float>().ToArray(),
            PosedVertices = posed.cpu().data<float>().ToArray(),
            VertexColors = albedo.cpu().data<float>().ToArray(),
            Mesh = exported with
            {
                Texture = ImageFiles.ToRgbImage(atlas[0]),
                NormalTexture = details is null ? null : DetailAtlas.Normals(details.TangentNormals, details.Resolution),
                BumpTexture = bump,
                BumpScale = bumpScale,
            },
            ExpressionWeights = expression[0].cpu().data<float>().ToArray(),
            RenderPng = renderPng,
            OverlayPng = overlayPng,
            Details = details,
            DenseMesh = details is not null && o.DenseDetailMesh ? DenseMesh(unposed, albedo, details.Displacement, o.DenseDetailLevels) with { Texture = ImageFiles.ToRgbImage(atlas[0]) } : null,
            Quality = new ReconstructionQuality(nme, photometric.item<float>(), descriptorDistance)
            {
                PhotometricErrorAllPixels = photometricAll.item<float>(),
                SkinCoverage = (skinRegion.sum() / fit.Mask.sum().clamp_min(1)).item<float>(),
            },
        };
    }

    /// <summary>The detail pass's outputs: the maps, how far the map displaces the skin, and the photometric error in a
    /// fine band (<see cref="Evaluation.BandError"/>) with and without the details.</summary>
    private DetailResult Details(DisplacementMap detail, Tensor identityShape, Tensor photo, RenderOutput with, RenderOutput without, Tensor skin, ReconstructionOptions o)
    {
        var png = detail.ToPng(out var low, out var high);
        using var raster = detail.Raster(Model.Data);
        var normals = detail.TangentSpaceNormals(identityShape, _fitting, raster);
        var (reach, _) = raster.Interpolate(detail.VertexWeights.view(-1, 1));
        var onSkin = (reach > 0.99f).view(-1);
        var magnitude = detail.Map.detach().abs().view(-1).masked_select(onSkin);
        var scale = Evaluation.BandError.ScaleOf(photo);
        return new DetailResult(png, low, high, detail.Resolution, o.DetailIterations,
            magnitude.numel() == 0 ? 0 : magnitude.max().item<float>(), magnitude.numel() == 0 ? 0 : magnitude.mean().item<float>())
        {
            TangentNormals = normals.cpu().data<float>().ToArray(),
            Displacement = detail.Map.detach().cpu().data<float>().ToArray(),
            BandErrorWithout = Evaluation.BandError.Compute(photo, without.Image, skin * without.Mask, scale),
            BandErrorWith = Evaluation.BandError.Compute(photo, with.Image, skin * with.Mask, scale),
        };
    }

    /// <summary>The front face (the fitting region) split <paramref name="levels"/> times and displaced by the map along the
    /// surface's normals: the detail as geometry, with the atlas UVs of the exported meshes and the albedo as colours.</summary>
    private ExportMesh DenseMesh(Tensor unposed, Tensor albedo, float[] map, int levels)
    {
        var data = Model.Data;
        var normals = MeshNormals.VertexNormals(unposed, _fitting.TriangleTensor)[0].to(ScalarType.Float64).cpu().data<double>().ToArray();
        var vertices = unposed[0].to(ScalarType.Float64).cpu().data<double>().ToArray();
        var uvs = Array.ConvertAll(data.VertexUvs(), v => (double)v);
        var subdivision = new FaceSubdivision(data.Triangles, data.VertexCount, data.FittingTriangleIds(), levels);
        var positions = subdivision.Displace(vertices, normals, uvs, map);
        var fineUvs = subdivision.Mix(uvs, 2);
        var colours = subdivision.Mix(albedo[0].to(ScalarType.Float64).cpu().data<double>().ToArray());
        // Keep the fine triangles' vertices only, renumbered.
        var ids = new int[subdivision.VertexCount];
        Array.Fill(ids, -1);
        var kept = new List<int>();
        foreach (var v in subdivision.Triangles)
        {
            if (ids[v] < 0)
            {
                ids[v] = kept.Count;
                kept.Add(v);
            }
        }

        var triangles = Array.ConvertAll(subdivision.Triangles, v => ids[v]);
        var atlas = new float[kept.Count * 2];
        for (var i = 0; i < kept.Count; i++)
        {
            (atlas[2 * i], atlas[(2 * i) + 1]) = FaceMeshExport.AtlasUv(FaceRegion.Face, (float)fineUvs[2 * kept[i]], (float)fineUvs[(2 * kept[i]) + 1]);
        }

        return new ExportMesh
        {
            Positions = kept.SelectMany(v => new[] { positions[3 * v], positions[(3 * v) + 1], positions[(3 * v) + 2] }).ToArray(),
            Triangles = triangles,
            Uvs = atlas,
            TriangleUvIndices = triangles,
            VertexColours = kept.SelectMany(v => new[] { (float)colours[3 * v], (float)colours[(3 * v) + 1], (float)colours[(3 * v) + 2] }).ToArray(),
        };
    }

    /// <summary>A fit drawn as <see cref="ReconstructionResult.RenderPng"/> is (the fitted albedo under the fitted light,
    /// the whole head, over the neutral background, no photo texture), with other expression weights: with zeros, the
    /// same person, pose and light without the expression the fit found — what the expression adds is measured against
    /// it (<see cref="Evaluation.ExpressionFidelity"/>).</summary>
    public byte[] Render(ReconstructionResult result, float[] expression)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length != Model.Layout.Expression)
        {
            throw new ArgumentException($"{Model.Layout.Expression} expression weights expected, got {expression.Length}.", nameof(expression));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var codes = (float[])result.Codes.Clone();
        expression.CopyTo(codes, Model.Layout.ExpressionOffset);
        var c = Model.SplitCodes(tensor(codes, device: Model.Device).view(1, -1));
        return DisplayPng(new MeshRenderer(result.Camera), Model.CameraVertices(c, result.Camera), Model.ComputeAlbedo(c.Texture).clamp(0, 1), c.Lighting, detail: null);
    }

    /// <summary>The picture of <see cref="ReconstructionResult.RenderPng"/>: the whole head under the fitted light over
    /// the neutral background.</summary>
    private byte[] DisplayPng(MeshRenderer renderer, Tensor cameraVertices, Tensor albedo, Tensor lighting, SurfaceDetail? detail)
    {
        var shown = renderer.Render(cameraVertices, _display, albedo, lighting, cullBackFaces: true, detail: detail);
        return Png(shown.Image, shown.Mask, background: 0.5f);
    }

    /// <summary>A preview picture as PNG, compressed for speed: the overlay of a large photo is millions of pixels, and
    /// the default compression took over a second of each fit for a few percent of its size.</summary>
    internal static byte[] Png(Tensor image01, Tensor? mask, float background)
    {
        using var img = ImageFiles.ToRgbImage(image01[0], mask?[0], background);
        using var stream = new MemoryStream();
        img.SaveAsPng(stream, PreviewEncoder);
        return stream.ToArray();
    }

    private static readonly SixLabors.ImageSharp.Formats.Png.PngEncoder PreviewEncoder = new() { CompressionLevel = SixLabors.ImageSharp.Formats.Png.PngCompressionLevel.BestSpeed };
}
