using FaceClip.Core.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// The whole forward model of the paper in one call: codes [B, 246] → shape, albedo, pose, camera, projection,
/// rendering and the 68 projected landmarks. Holds no tensors of its own; dispose the model and topology yourself.
/// </summary>
public sealed class FaceCodeRenderer(FaceModel model, MeshTopology topology, PerspectiveCamera camera)
{
    public FaceModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    public MeshTopology Topology { get; } = topology ?? throw new ArgumentNullException(nameof(topology));

    public MeshRenderer Renderer { get; } = new(camera);

    public PerspectiveCamera Camera => Renderer.Camera;

    /// <summary>Renders a batch of codes; <paramref name="uvTexture"/> [B, 3, Ht, Wt] replaces the albedo model.</summary>
    public FaceRender Render(Tensor codes, Tensor? uvTexture = null)
    {
        var split = Model.SplitCodes(codes);
        var shape = Model.ComputeShape(split.Shape, split.Expression);
        var albedo = Model.ComputeAlbedo(split.Texture);
        var cameraVertices = Model.CameraVertices(split, Camera);
        var landmarks = Model.GetLandmarks(FaceModel.ToImage(cameraVertices, Camera)).narrow(2, 0, 2);
        var output = Renderer.Render(cameraVertices, Topology, albedo, split.Lighting, uvTexture);
        return new FaceRender(output, split, shape, albedo, cameraVertices, landmarks);
    }
}
