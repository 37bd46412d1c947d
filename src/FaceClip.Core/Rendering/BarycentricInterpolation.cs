using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// The differentiable half of rasterization (nvdiffrast's <c>interpolate</c>): given which triangle covers each pixel,
/// recompute the perspective-correct barycentric weights from the projected vertices with tensor ops, so gradients flow
/// to vertex positions, and interpolate any per-vertex attribute with them.
/// </summary>
public static class BarycentricInterpolation
{
    /// <summary>Global vertex ids (b·V + v) of each fragment's triangle corners, [P, 3] int64.</summary>
    public static Tensor FragmentVertexIds(Tensor triangleTensor, Tensor fragmentTriangles, Tensor fragmentBatch, long vertexCount) =>
        triangleTensor.index_select(0, fragmentTriangles) + (fragmentBatch * vertexCount).unsqueeze(1);

    /// <summary>
    /// Perspective-correct barycentrics [P, 3] at pixel centres <paramref name="pixelCentres"/> [P, 2] of the triangles
    /// with corners <paramref name="vertexIds"/> [P, 3] in <paramref name="screenVertices"/> [B, V, 3] = (u, v, depth).
    /// Screen-space weights are signed sub-areas over the triangle area; the perspective correction divides each by its
    /// corner's depth and renormalises.
    /// </summary>
    public static Tensor Barycentrics(Tensor screenVertices, Tensor vertexIds, Tensor pixelCentres)
    {
        var fragments = vertexIds.shape[0];
        var corners = GatherRows(screenVertices.reshape(-1, 3), vertexIds.reshape(-1)).view(fragments, 3, 3);
        var relative = corners.narrow(2, 0, 2) - pixelCentres.unsqueeze(1);
        var x = relative.select(2, 0);
        var y = relative.select(2, 1);
        // Corner i's sub-area is the cross product of the next and previous corners relative to the pixel.
        var subAreas = x.roll(-1, 1) * y.roll(1, 1) - y.roll(-1, 1) * x.roll(1, 1);
        var screenWeights = subAreas / subAreas.sum(1, keepdim: true);
        var perspective = screenWeights / corners.select(2, 2);
        return perspective / perspective.sum(1, keepdim: true);
    }

    /// <summary>Interpolates per-vertex attributes [B, V, C] at the fragments: [P, C].</summary>
    public static Tensor Interpolate(Tensor attributes, Tensor vertexIds, Tensor barycentrics)
    {
        var fragments = vertexIds.shape[0];
        var channels = attributes.shape[^1];
        var gathered = GatherRows(attributes.reshape(-1, channels), vertexIds.reshape(-1)).view(fragments, 3, channels);
        return (gathered * barycentrics.unsqueeze(2)).sum(1);
    }

    /// <summary>Interpolates per-corner attributes [T, 3, C] (e.g. UVs across seams) at the fragments: [P, C].</summary>
    public static Tensor InterpolateCorners(Tensor cornerAttributes, Tensor fragmentTriangles, Tensor barycentrics) =>
        (cornerAttributes.index_select(0, fragmentTriangles) * barycentrics.unsqueeze(2)).sum(1);

    /// <summary>
    /// Rows <paramref name="index"/> [M] of <paramref name="source"/> [N, C]: like <c>index_select(0, index)</c>, but
    /// with <c>gather</c>, whose backward is a vectorised <c>scatter_add</c> (LibTorch's CPU backward of index_select,
    /// <c>index_add_</c>, runs one small tensor op per index and is many times slower for 10⁵ indices).
    /// </summary>
    public static Tensor GatherRows(Tensor source, Tensor index) =>
        source.gather(0, index.unsqueeze(1).expand(-1, source.shape[1]));

    /// <summary>Adds rows <paramref name="values"/> [M, C] into a zero [<paramref name="rows"/>, C] tensor at
    /// <paramref name="index"/> [M] (vectorised <c>scatter_add</c>; its backward is a gather).</summary>
    public static Tensor ScatterAddRows(Tensor values, Tensor index, long rows) =>
        zeros(rows, values.shape[1], dtype: values.dtype, device: values.device).scatter_add(0, index.unsqueeze(1).expand(-1, values.shape[1]), values);

    /// <summary>Scatters fragment values [P, C] into images [B, C, H, W] (zero where nothing is drawn).</summary>
    public static Tensor ToImage(Tensor values, Tensor pixelIndices, int batch, int height, int width)
    {
        var channels = values.shape[1];
        var flat = zeros(batch * height * width, channels, dtype: values.dtype, device: values.device).index_copy(0, pixelIndices, values);
        return flat.view(batch, height, width, channels).permute(0, 3, 1, 2);
    }
}
