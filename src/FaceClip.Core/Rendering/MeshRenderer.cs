using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// A batched differentiable renderer split as in nvdiffrast: a visibility pass on the CPU
/// (<see cref="TriangleRasterizer"/>, triangle id per pixel) and tensor ops on the vertices' device for everything
/// differentiable (<see cref="BarycentricInterpolation"/>, per-pixel Lambertian SH shading). Gradients reach vertex
/// positions (through barycentrics, normals and depth), albedo, lighting and anything upstream (pose, codes); the
/// coverage mask itself has no gradient (no silhouette anti-aliasing).
/// </summary>
public sealed class MeshRenderer(PerspectiveCamera camera)
{
    public PerspectiveCamera Camera { get; } = camera ?? throw new ArgumentNullException(nameof(camera));

    /// <summary>Projects camera-space vertices [B, V, 3] to (u, v, depth) pixels.</summary>
    public Tensor Project(Tensor cameraVertices) => Camera.Project(cameraVertices);

    /// <summary>
    /// Renders camera-space vertices [B, V, 3] (<see cref="PerspectiveCamera.ToCameraSpace"/>) with per-vertex albedo
    /// [B, V, 3] (or [1, V, 3], broadcast) under SH lighting [B, 27]. With <paramref name="uvTexture"/> [B, 3, Ht, Wt]
    /// (values in [0,1], row 0 = top = v 1) and a topology with corner UVs, albedo is sampled from the texture instead.
    /// With <paramref name="textureWeight"/> [V] as well (per vertex, 0..1), the texture is a photo that carries its own
    /// light: a pixel is w · texture (unlit) + (1 − w) · albedo · irradiance, so a part of the face can show the photo
    /// while the rest is shaded from the albedo. With <paramref name="detail"/>, each pixel's normal is bent by the
    /// displacement map's slopes there (<see cref="SurfaceDetail"/>: normal mapping), and the shading and the normals
    /// output use the bent normal.
    /// </summary>
    public RenderOutput Render(Tensor cameraVertices, MeshTopology topology, Tensor albedo, Tensor lighting,
        Tensor? uvTexture = null, bool cullBackFaces = false, Tensor? textureWeight = null, SurfaceDetail? detail = null)
    {
        ArgumentNullException.ThrowIfNull(cameraVertices);
        ArgumentNullException.ThrowIfNull(topology);
        var batch = (int)cameraVertices.shape[0];
        var vertexCount = cameraVertices.shape[1];
        int width = Camera.Width, height = Camera.Height;
        var screen = Project(cameraVertices);
        var fragments = TriangleRasterizer.Rasterize(screen, topology, width, height, cullBackFaces, Camera.Near);
        var device = cameraVertices.device;
        var dtype = cameraVertices.dtype;

        var pixelIndex = tensor(fragments.PixelIndices, device: device);
        var triangleIndex = tensor(fragments.TriangleIndices, device: device);
        var (batchOf, centreValues) = PixelCentres(fragments.PixelIndices, width, height);
        var fragmentBatch = tensor(batchOf, device: device);
        var centres = tensor(centreValues, device: device).view(-1, 2).to(dtype);

        var vertexIds = BarycentricInterpolation.FragmentVertexIds(topology.TriangleTensor, triangleIndex, fragmentBatch, vertexCount);
        var weights = BarycentricInterpolation.Barycentrics(screen, vertexIds, centres);

        var normals = MeshNormals.VertexNormals(cameraVertices, topology.TriangleTensor);
        var batchedAlbedo = albedo.shape[0] == batch ? albedo : albedo.expand(batch, -1, -1);
        var depth = screen.narrow(2, 2, 1);
        var blend = textureWeight is not null && uvTexture is not null;
        var attributes = blend
            ? cat([batchedAlbedo, normals, depth, textureWeight!.to(dtype).view(1, -1, 1).expand(batch, -1, 1)], 2)
            : cat([batchedAlbedo, normals, depth], 2);
        var interpolated = BarycentricInterpolation.Interpolate(attributes, vertexIds, weights);
        var pixelAlbedo = interpolated.narrow(1, 0, 3);
        var pixelNormals = nn.functional.normalize(interpolated.narrow(1, 3, 3), dim: 1, eps: 1e-12);
        var pixelDepth = interpolated.narrow(1, 6, 1);
        if (detail is not null)
        {
            pixelNormals = BentNormals(detail, cameraVertices, normals, topology, vertexIds, weights, pixelNormals, fragments.CountsPerBatchItem());
        }

        if (uvTexture is not null)
        {
            if (topology.CornerUvs is null)
            {
                throw new ArgumentException("Textured rendering needs a topology with corner UVs.", nameof(topology));
            }

            var uv = BarycentricInterpolation.InterpolateCorners(topology.CornerUvs.to(dtype), triangleIndex, weights);
            var grid = BarycentricInterpolation.ToImage(uv * 2 - 1, pixelIndex, batch, height, width).permute(0, 2, 3, 1);
            using var flipV = tensor(new[] { 1.0, -1.0 }, dtype: dtype, device: device);
            var sampled = nn.functional.grid_sample(uvTexture.to(dtype), grid * flipV, align_corners: false);
            var texel = BarycentricInterpolation.GatherRows(sampled.permute(0, 2, 3, 1).reshape(-1, 3), pixelIndex);
            if (blend)
            {
                var w = interpolated.narrow(1, 7, 1);
                var lit = pixelAlbedo * SphericalHarmonics.IrradianceByRuns(pixelNormals, lighting, fragments.CountsPerBatchItem());
                var mixed = (w * texel) + ((1 - w) * lit);
                return Output(mixed, (w * texel) + ((1 - w) * pixelAlbedo));
            }

            pixelAlbedo = texel;
        }

        return Output(pixelAlbedo * SphericalHarmonics.IrradianceByRuns(pixelNormals, lighting, fragments.CountsPerBatchItem()), pixelAlbedo);

        RenderOutput Output(Tensor colour, Tensor shownAlbedo)
        {
            // One scatter for every output: colour 3, coverage 1, depth 1, normals 3, albedo 3.
            var coverage = ones(fragments.Count, 1, dtype: dtype, device: device);
            var images = BarycentricInterpolation.ToImage(cat([colour, coverage, pixelDepth, pixelNormals, shownAlbedo], 1), pixelIndex, batch, height, width);
            return new RenderOutput(
                images.narrow(1, 0, 3),
                images.narrow(1, 3, 1),
                images.narrow(1, 4, 1),
                images.narrow(1, 5, 3),
                images.narrow(1, 8, 3),
                fragments);
        }
    }

    /// <summary>The normal-mapped normal of every fragment: the map's slopes at its UV turned into a change of the
    /// interpolated normal by the interpolated tangent frame (<see cref="SurfaceDetail"/>).</summary>
    private static Tensor BentNormals(SurfaceDetail detail, Tensor cameraVertices, Tensor normals, MeshTopology topology, Tensor vertexIds,
        Tensor weights, Tensor pixelNormals, long[] counts)
    {
        var batch = cameraVertices.shape[0];
        var dtype = cameraVertices.dtype;
        var gradients = SurfaceDetail.TangentGradients(cameraVertices, normals, topology.TriangleTensor, detail.VertexUvs);
        var uv = detail.VertexUvs.to(dtype).unsqueeze(0).expand(batch, -1, -1);
        var reach = detail.VertexWeights.to(dtype).view(1, -1, 1).expand(batch, -1, 1);
        var pixel = BarycentricInterpolation.Interpolate(cat([gradients, uv, reach], 2), vertexIds, weights);
        var slopes = SurfaceDetail.SampleSlopes(SurfaceDetail.Slopes(detail.Map.to(dtype)), pixel.narrow(1, 6, 2), counts);
        return SurfaceDetail.Perturb(pixelNormals, pixel.narrow(1, 0, 6), pixel.narrow(1, 8, 1), slopes);
    }

    /// <summary>The batch item and the pixel centre (x + 0.5, y + 0.5) of each flat fragment index, worked out on the
    /// CPU where the rasteriser left them (no tensor arithmetic with implicitly converted scalars, whose native copies
    /// TorchSharp 0.107 lets the finaliser free while an operation still reads them).</summary>
    private static (long[] Batch, float[] Centres) PixelCentres(long[] pixelIndices, int width, int height)
    {
        var pixelsPerImage = (long)width * height;
        var batch = new long[pixelIndices.Length];
        var centres = new float[pixelIndices.Length * 2];
        for (var i = 0; i < pixelIndices.Length; i++)
        {
            var p = pixelIndices[i];
            batch[i] = p / pixelsPerImage;
            var inImage = p % pixelsPerImage;
            centres[2 * i] = (inImage % width) + 0.5f;
            centres[(2 * i) + 1] = (inImage / width) + 0.5f;
        }

        return (batch, centres);
    }
}
