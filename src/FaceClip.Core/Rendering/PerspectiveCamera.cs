using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// A pinhole camera on the model's +z axis looking towards the origin. Camera space is OpenGL-style (x right, y up,
/// the camera looking along -z), so depth = -z. Image coordinates are pixels with (0, 0) at the top-left corner of the
/// top-left pixel; pixel (i, j) has its centre at (i + 0.5, j + 0.5); v grows downwards.
/// </summary>
/// <param name="Width">Image width in pixels (224: the paper's crop).</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Focal">Focal length in pixels (1015 as Deep3DFaceRecon's 224 crop).</param>
/// <param name="Distance">Camera distance from the model origin in model units (cm for ICT-FaceKit).</param>
public sealed record PerspectiveCamera(int Width = 224, int Height = 224, double Focal = 1015, double Distance = 125)
{
    /// <summary>Principal point, x (the image centre unless set).</summary>
    public double CenterX { get; init; } = Width / 2.0;

    /// <summary>Principal point, y.</summary>
    public double CenterY { get; init; } = Height / 2.0;

    /// <summary>Vertices nearer than this depth are not rasterized.</summary>
    public double Near { get; init; } = 1e-3;

    /// <summary>Model frame (after pose) to camera space: subtract the camera position (0, 0, Distance).</summary>
    public Tensor ToCameraSpace(Tensor posedVertices)
    {
        using var offset = tensor(new[] { 0.0, 0.0, Distance }, dtype: posedVertices.dtype, device: posedVertices.device);
        return posedVertices - offset;
    }

    /// <summary>Camera space [..., 3] to (u, v, depth) [..., 3]: u = cx + f·x/d, v = cy - f·y/d, d = -z.</summary>
    public Tensor Project(Tensor cameraVertices)
    {
        var x = cameraVertices.select(-1, 0);
        var y = cameraVertices.select(-1, 1);
        var depth = -cameraVertices.select(-1, 2);
        var u = x / depth * Focal + CenterX;
        var v = CenterY - y / depth * Focal;
        return stack([u, v, depth], -1);
    }
}
