using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Geometry;

/// <summary>
/// The morphable face model as batched tensor functions (after Deep3DFaceRecon's <c>bfm.py</c>): split a code vector,
/// compute shape, albedo, rotation, camera-space vertices, image-plane projection and colour. All functions take
/// [B, ...] tensors on <see cref="Device"/> and are differentiable.
/// </summary>
public sealed class FaceModel : IDisposable
{
    public FaceModel(FaceModelData data, Device? device = null, FaceModelOptions? options = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new FaceModelOptions();
        if (options.ShapeDimensions < 1 || options.ShapeDimensions > data.IdentityCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"ShapeDimensions must be 1..{data.IdentityCount}.");
        }

        Data = data;
        Device = device ?? CPU;
        DType = dtype;
        Layout = new FaceCodeLayout(options.ShapeDimensions, data.ExpressionCount, options.TextureDimensions);
        var v = data.VertexCount;
        MeanShape = Upload(data.Neutral, v, 3);
        IdentityBasis = Upload(data.IdentityDeltas.AsSpan(0, options.ShapeDimensions * v * 3).ToArray(), options.ShapeDimensions, v * 3);
        ExpressionBasis = Upload(data.ExpressionDeltas, data.ExpressionCount, v * 3);
        MeanAlbedo = Upload(AlbedoModel.MeanAlbedo(data), v, 3);
        AlbedoBasis = Upload(AlbedoModel.Basis(data, options.TextureDimensions), options.TextureDimensions, v * 3);
        LandmarkIndices = tensor(data.Landmarks.Select(i => (long)i).ToArray(), device: Device).DetachFromDisposeScope();
    }

    /// <summary>Imports (or reads the cached import of) ICT-FaceKit from the store and uploads it.</summary>
    public static FaceModel Load(ModelStore store, Device? device = null, FaceModelOptions? options = null, ScalarType dtype = ScalarType.Float32) =>
        new(IctFaceKitImporter.Load(store), device, options, dtype);

    public FaceModelData Data { get; }

    /// <summary>A compact model of the fitting region only (<see cref="FaceModelData.Subset"/>): same codes, a quarter of
    /// the vertices; its <see cref="CreateFittingTopology"/> covers all its triangles.</summary>
    public FaceModel CreateFittingModel(FaceModelOptions? options = null) =>
        new(Data.Subset(Data.FittingTriangleIds()), Device, options ?? new FaceModelOptions { ShapeDimensions = Layout.Shape, TextureDimensions = Layout.Texture }, DType);

    public Device Device { get; }

    public ScalarType DType { get; }

    public FaceCodeLayout Layout { get; }

    public int VertexCount => Data.VertexCount;

    /// <summary>[V, 3] neutral mesh (cm; x to the subject's left, y up, z out of the face).</summary>
    public Tensor MeanShape { get; }

    /// <summary>[nα, V*3] identity deltas.</summary>
    public Tensor IdentityBasis { get; }

    /// <summary>[53, V*3] expression deltas.</summary>
    public Tensor ExpressionBasis { get; }

    /// <summary>[V, 3] mean albedo.</summary>
    public Tensor MeanAlbedo { get; }

    /// <summary>[nt, V*3] albedo basis (see <see cref="AlbedoModel"/>).</summary>
    public Tensor AlbedoBasis { get; }

    /// <summary>[68] landmark vertex indices (int64).</summary>
    public Tensor LandmarkIndices { get; }

    /// <summary>Topology of the fitting region (front face), uploaded to <see cref="Device"/>.</summary>
    public MeshTopology CreateFittingTopology() => CreateTopology(Data.FittingTriangleIds());

    /// <summary>Topology of everything drawn opaque (face, head, eyes, teeth, lashes).</summary>
    public MeshTopology CreateDisplayTopology() => CreateTopology(Data.DisplayTriangleIds());

    /// <summary>Topology of the given triangles, with per-corner UVs in the 4 x 2 atlas layout of exported and baked
    /// textures (<see cref="FaceMeshExport.AtlasUv"/>), so textured rendering samples those textures correctly.</summary>
    public MeshTopology CreateTopology(IReadOnlyList<int> triangleIds) =>
        new(Data.VerticesOfTriangles(triangleIds), VertexCount, Device, FaceMeshExport.AtlasCornerUvs(Data, triangleIds));

    /// <summary>Splits [B, Total] codes into views of their parts (<see cref="FaceCodeLayout.Split"/>).</summary>
    public FaceCodes SplitCodes(Tensor codes) => Layout.Split(codes);

    /// <summary>S = S̄ + B_id·α + B_exp·β, [B, V, 3].</summary>
    public Tensor ComputeShape(Tensor shapeCodes, Tensor expressionCodes)
    {
        var batch = shapeCodes.shape[0];
        var offsets = shapeCodes.mm(IdentityBasis).addmm_(expressionCodes, ExpressionBasis);
        return offsets.view(batch, VertexCount, 3) + MeanShape;
    }

    /// <summary>A = Ā + B_tex·t, [B, V, 3] (not clamped).</summary>
    public Tensor ComputeAlbedo(Tensor textureCodes)
    {
        var batch = textureCodes.shape[0];
        return textureCodes.mm(AlbedoBasis).view(batch, VertexCount, 3) + MeanAlbedo;
    }

    /// <summary>Rotation matrices from Euler angles (x, y, z) in radians, [B, 3, 3], R = Rz·Ry·Rx.</summary>
    public static Tensor ComputeRotation(Tensor angles)
    {
        var batch = angles.shape[0];
        var one = ones(batch, dtype: angles.dtype, device: angles.device);
        var zero = zeros(batch, dtype: angles.dtype, device: angles.device);
        var (x, y, z) = (angles.select(1, 0), angles.select(1, 1), angles.select(1, 2));
        var rx = stack([one, zero, zero, zero, x.cos(), -x.sin(), zero, x.sin(), x.cos()], 1).view(batch, 3, 3);
        var ry = stack([y.cos(), zero, y.sin(), zero, one, zero, -y.sin(), zero, y.cos()], 1).view(batch, 3, 3);
        var rz = stack([z.cos(), -z.sin(), zero, z.sin(), z.cos(), zero, zero, zero, one], 1).view(batch, 3, 3);
        return rz.bmm(ry).bmm(rx);
    }

    /// <summary>Rigid pose: v' = R·v + t, [B, V, 3] (model frame, the camera on the +z axis).</summary>
    public static Tensor ApplyPose(Tensor vertices, Tensor rotation, Tensor translation) =>
        vertices.bmm(rotation.transpose(1, 2)) + translation.unsqueeze(1);

    /// <summary>
    /// The one path from codes to a posed head: S(α, β) plus optional per-vertex <paramref name="offsets"/> ([B or 1,
    /// V, 3], the detail pass's displacement), rotated by the Euler <paramref name="angles"/> [B, 3] and translated by
    /// <paramref name="translation"/> [B, 3]; [B, V, 3] in the model frame. The losses, the fitter, the transfer and
    /// the benches all pose through it.
    /// </summary>
    public Tensor Pose(Tensor shapeCodes, Tensor expressionCodes, Tensor angles, Tensor translation, Tensor? offsets = null)
    {
        var shape = ComputeShape(shapeCodes, expressionCodes);
        return ApplyPose(offsets is null ? shape : shape + offsets, ComputeRotation(angles), translation);
    }

    /// <summary>The posed head of <paramref name="codes"/> (see <see cref="Pose(Tensor, Tensor, Tensor, Tensor, Tensor?)"/>).</summary>
    public Tensor Pose(FaceCodes codes, Tensor? offsets = null)
    {
        ArgumentNullException.ThrowIfNull(codes);
        return Pose(codes.Shape, codes.Expression, codes.Rotation, codes.Translation, offsets);
    }

    /// <summary>Camera-space vertices [B, V, 3] of <paramref name="codes"/> seen by <paramref name="camera"/>.</summary>
    public Tensor CameraVertices(FaceCodes codes, PerspectiveCamera camera, Tensor? offsets = null)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return camera.ToCameraSpace(Pose(codes, offsets));
    }

    /// <summary>Model-frame vertices to camera space (see <see cref="PerspectiveCamera.ToCameraSpace"/>).</summary>
    public static Tensor ToCamera(Tensor posedVertices, PerspectiveCamera camera) => camera.ToCameraSpace(posedVertices);

    /// <summary>Camera-space vertices to (u, v, depth) in pixels, [B, V, 3].</summary>
    public static Tensor ToImage(Tensor cameraVertices, PerspectiveCamera camera) => camera.Project(cameraVertices);

    /// <summary>Lambertian colour under SH lighting, per vertex: albedo [B,V,3], normals [B,V,3], lighting [B,27].</summary>
    public static Tensor ComputeColour(Tensor albedo, Tensor normals, Tensor lighting) =>
        SphericalHarmonics.Shade(albedo, normals, lighting.unsqueeze(1));

    /// <summary>The 68 landmarks of a batch of per-vertex values, [B, 68, C].</summary>
    public Tensor GetLandmarks(Tensor perVertex) => perVertex.index_select(1, LandmarkIndices);

    /// <summary>Zero codes, [B, Total]: the mean face, frontal, ambient light.</summary>
    public Tensor ZeroCodes(int batch) => zeros(batch, Layout.Total, dtype: DType, device: Device);

    public void Dispose()
    {
        MeanShape.Dispose();
        IdentityBasis.Dispose();
        ExpressionBasis.Dispose();
        MeanAlbedo.Dispose();
        AlbedoBasis.Dispose();
        LandmarkIndices.Dispose();
    }

    private Tensor Upload(float[] values, long rows, long columns)
    {
        using var scope = NewDisposeScope();
        return tensor(values).view(rows, columns).to(DType, Device).detach().contiguous().DetachFromDisposeScope();
    }
}
