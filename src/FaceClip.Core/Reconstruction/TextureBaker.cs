using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// Bakes the UV texture of a fitted face: every texel is located on the mesh (rasterizing the mesh in UV space),
/// projected into the photo, and takes the photo's colour where that point was visible and facing the camera; the
/// rest is completed from the fitted albedo under the mean light of the visible part, blended by how squarely the texel faced the
/// camera so no seam shows. Row 0 of the result is v = 1 (the top of the texture image).
/// The eyeballs, teeth and gums (<see cref="InnerParts"/>) take the photo only where they show through the eye openings
/// and the lips: under the eyelids and behind the lips they lie within the visibility test's tolerance of the skin in front,
/// and would otherwise take the lids' and lips' colour (eyeballs that turn skin-coloured when an expression opens the eyes).
/// </summary>
public static class TextureBaker
{
    /// <summary>The parts of the head the photo shows only through an opening of the face.</summary>
    /// <param name="Vertices">Per model vertex, whether it belongs to such a part (sclera, iris, teeth, gums).</param>
    /// <param name="Openings">The openings as closed loops of model vertices: the eyelid margins and the inner lip contour
    /// (the 68-point scheme's 36-41, 42-47 and 60-67).</param>
    public sealed record InnerParts(bool[] Vertices, IReadOnlyList<int[]> Openings)
    {
        public static InnerParts Of(FaceModelData data)
        {
            ArgumentNullException.ThrowIfNull(data);
            var inner = new bool[data.VertexCount];
            foreach (var v in data.VerticesOfTriangles(data.TriangleIdsWhere(r => r is FaceRegion.ScleraLeft or FaceRegion.ScleraRight
                         or FaceRegion.IrisLeft or FaceRegion.IrisRight or FaceRegion.Teeth or FaceRegion.GumsTongue)))
            {
                inner[v] = true;
            }

            int[] Loop(int from, int to) => Enumerable.Range(from, to - from + 1).Select(i => data.Landmarks[i]).ToArray();
            return new InnerParts(inner, [Loop(36, 41), Loop(42, 47), Loop(60, 67)]);
        }
    }

    /// <summary>Bakes the texture of an exported mesh (its atlas UVs; the mesh's vertices map back to the model's by
    /// <see cref="ExportMesh.SourceVertices"/>): [1, 3, height, width] in [0, 1].</summary>
    public static Tensor Bake(ExportMesh mesh, int width, int height, int modelVertexCount, Tensor cameraVertices, PerspectiveCamera camera,
        FaceCrop crop, Tensor photo255, Tensor albedo, Tensor lighting, InnerParts? inner = null, Cleaning? cleaning = null)
    {
        if (!mesh.HasUvs || mesh.SourceVertices is null)
        {
            throw new ArgumentException("The mesh needs UVs and the model vertex of each of its vertices.", nameof(mesh));
        }

        var vertexTriangles = mesh.Triangles.Select(v => mesh.SourceVertices[v]).ToArray();
        return Bake(mesh.Uvs!, mesh.TriangleUvIndices!, vertexTriangles, width, height, modelVertexCount, cameraVertices, camera, crop, photo255, albedo, lighting, inner, cleaning);
    }

    /// <summary>Bakes a texture for triangles given by model vertex ids <paramref name="triangleVertices"/> and UV
    /// indices <paramref name="triangleUvIndices"/> into <paramref name="uvs"/> (u right, v up, in [0, 1]).</summary>
    public static Tensor Bake(float[] uvs, int[] triangleUvIndices, int[] triangleVertices, int width, int height, int modelVertexCount,
        Tensor cameraVertices, PerspectiveCamera camera, FaceCrop crop, Tensor photo255, Tensor albedo, Tensor lighting, InnerParts? inner = null,
        Cleaning? cleaning = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = cameraVertices.device;

        // The mesh laid out in UV space: one "vertex" per UV coordinate, triangles by their UV indices.
        var uvCount = uvs.Length / 2;
        var uvScreen = new float[uvCount * 3];
        for (var i = 0; i < uvCount; i++)
        {
            uvScreen[3 * i] = uvs[2 * i] * width;
            uvScreen[(3 * i) + 1] = (1 - uvs[(2 * i) + 1]) * height;
            uvScreen[(3 * i) + 2] = 1;
        }

        var uvTriangles = triangleUvIndices;
        var vertexTriangles = triangleVertices.Select(v => (long)v).ToArray();
        var fragments = TriangleRasterizer.Rasterize(uvScreen, 1, uvCount, uvTriangles, width, height, cullBackFaces: false, near: 1e-6);
        var pixel = tensor(fragments.PixelIndices, device: device);
        var triangle = tensor(fragments.TriangleIndices, device: device);
        var uvIds = tensor(uvTriangles.Select(i => (long)i).ToArray(), device: device).view(-1, 3).index_select(0, triangle);
        var centres = stack([pixel.remainder(width), pixel.div(width, rounding_mode: RoundingMode.floor)], 1).to(float32) + 0.5;
        // Degenerate UV triangles (zero area) give undefined weights; their texels take the first corner.
        var weights = BarycentricInterpolation.Barycentrics(tensor(uvScreen, device: device).view(1, uvCount, 3), uvIds, centres);
        var degenerate = weights.isnan().any(1, keepdim: true);
        weights = where(degenerate, tensor(new[] { 1f, 0f, 0f }, device: device).expand_as(weights), weights);
        var vertexIds = tensor(vertexTriangles, device: device).view(-1, 3).index_select(0, triangle);

        var normals = MeshNormals.VertexNormals(cameraVertices, tensor(vertexTriangles, device: device).view(-1, 3));
        var position = BarycentricInterpolation.Interpolate(cameraVertices, vertexIds, weights);
        var normal = nn.functional.normalize(BarycentricInterpolation.Interpolate(normals, vertexIds, weights), dim: 1);
        var texelAlbedo = BarycentricInterpolation.Interpolate(albedo, vertexIds, weights);
        var irradiance = SphericalHarmonics.Irradiance(normal, lighting);

        // Visibility: compare each texel's depth with a depth buffer of the whole head at twice the crop resolution.
        var fine = camera with { Width = camera.Width * 2, Height = camera.Height * 2, Focal = camera.Focal * 2, CenterX = camera.CenterX * 2, CenterY = camera.CenterY * 2 };
        var topology = new MeshTopology(triangleVertices, modelVertexCount, device);
        var depthBuffer = new MeshRenderer(fine).Render(cameraVertices, topology, albedo, lighting, cullBackFaces: true);
        topology.Dispose();
        var screen = fine.Project(position.unsqueeze(0))[0];
        var grid = ((screen.narrow(1, 0, 2) / tensor(new[] { (float)fine.Width, (float)fine.Height }, device: device)) * 2) - 1;
        var bufferDepth = nn.functional.grid_sample(depthBuffer.Depth, grid.view(1, 1, -1, 2), mode: GridSampleMode.Nearest, align_corners: false).view(-1);
        var covered = nn.functional.grid_sample(depthBuffer.Mask, grid.view(1, 1, -1, 2), mode: GridSampleMode.Nearest, align_corners: false).view(-1);
        var visible = (covered > 0.5) & (screen.select(1, 2) <= bufferDepth + 0.4);
        var towards = (normal * (-position / position.norm(1, keepdim: true))).sum(1);
        var facing = ((towards - 0.2) / 0.4).clamp(0, 1);

        // Photo colour at the texel's projection (crop pixels → photo pixels → normalised grid).
        var photoHeight = photo255.shape[2];
        var photoWidth = photo255.shape[3];
        var cropPixels = camera.Project(position.unsqueeze(0))[0].narrow(1, 0, 2);
        var photoX = (cropPixels.select(1, 0) * crop.Scale) + crop.Left;
        var photoY = (cropPixels.select(1, 1) * crop.Scale) + crop.Top;
        var photoGrid = stack([((photoX / photoWidth) * 2) - 1, ((photoY / photoHeight) * 2) - 1], 1);
        var inside = (photoGrid.abs() < 1).all(1);
        var colour = nn.functional.grid_sample(photo255 / 255, photoGrid.view(1, 1, -1, 2), mode: GridSampleMode.Bilinear, align_corners: false)
            .view(3, -1).t();
        var blend = (facing * visible.to(float32) * inside.to(float32)).unsqueeze(1);
        if (inner is not null)
        {
            if (inner.Vertices.Length != modelVertexCount)
            {
                throw new ArgumentException($"The inner parts name {inner.Vertices.Length} vertices, not the model's {modelVertexCount}.", nameof(inner));
            }

            var flags = tensor(inner.Vertices.Select(f => f ? 1f : 0f).ToArray(), device: device).view(1, -1, 1);
            // Only inner texels the photo would colour need the test (the rest stay at blend 0 whatever it says).
            var innerTexels = ((BarycentricInterpolation.Interpolate(flags, vertexIds, weights).view(-1) > 0.5) & (blend.view(-1) > 0)).nonzero().view(-1);
            if (innerTexels.numel() > 0)
            {
                // How far inside an opening each inner texel shows, in crop pixels: the photo fades in over the first
                // pixel inside the contour, so the lid's former line leaves no hard seam on the eyeball when an
                // expression opens the eye. The polygon tests are [texels x edges], so each opening tests only the
                // texels within its bounding box (none outside it is inside).
                var innerPixels = cropPixels.index_select(0, innerTexels);
                var shows = zeros(innerTexels.shape[0], device: device);
                foreach (var loop in inner.Openings)
                {
                    using var openingScope = NewDisposeScope();
                    using var loopIds = tensor(loop.Select(v => (long)v).ToArray(), device: device);
                    var outline = camera.Project(cameraVertices.index_select(1, loopIds))[0].narrow(1, 0, 2);
                    var near = ((innerPixels >= outline.amin([0])) & (innerPixels <= outline.amax([0]))).all(1).nonzero().view(-1);
                    if (near.numel() == 0)
                    {
                        continue;
                    }

                    var candidates = innerPixels.index_select(0, near);
                    var opening = InsidePolygon(candidates, outline).to(float32) * DistanceToPolygon(candidates, outline).clamp_max(1);
                    shows = shows.index_copy(0, near, maximum(shows.index_select(0, near), opening)).MoveToOuterDisposeScope();
                }

                blend = blend * ones_like(blend).index_copy(0, innerTexels, shows.unsqueeze(1));
            }
        }

        // Where the photo did not see the surface, the fitted albedo under the light the visible part received on
        // average: second-order SH extrapolates badly to normals the photo never showed (under the chin, in the ears).
        var seen = blend.sum().clamp_min(1);
        var meanIrradiance = (irradiance * blend).sum([0]) / seen;
        Tensor shaded;
        if (cleaning is null)
        {
            shaded = (texelAlbedo * meanIrradiance).clamp(0, 1);
        }
        else
        {
            // Seen texels the cleaning turns down keep their own light; the albedo is matched to the cheeks' colour.
            var (trust, gain) = Clean(cleaning, modelVertexCount, vertexIds, weights, colour, texelAlbedo * irradiance, irradiance, blend, pixel, width, height);
            var light = (irradiance * blend) + (meanIrradiance * (1 - blend));
            shaded = (texelAlbedo * light * gain).clamp(0, 1);
            blend = blend * trust.unsqueeze(1);
        }

        var texel = (colour * blend) + (shaded * (1 - blend));

        // Texels no triangle covers take the mean colour, so filtering near UV seams does not pull in black.
        var fill = texel.mean([0]);
        var flat = fill.view(1, 3).expand((long)width * height, 3).clone().index_copy(0, pixel, texel);
        return flat.view(1, height, width, 3).permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>What the bake needs to keep the texture to the subject's skin and off the fitted expression
    /// (<see cref="TextureCleaning"/>): the model's skin parts and the fitted expression's strain per model vertex [V].</summary>
    public sealed record Cleaning(TextureCleaning.SkinParts Parts, Tensor Strain);

    /// <summary>Per texel, how far the photo is trusted (a facial feature, lips of the lips' colour, or skin the
    /// expression did not strain), smoothed over the texture; and the colour gain [N, 3] that matches the model's albedo
    /// to the skin, and on the lips to the lips.</summary>
    private static (Tensor Trust, Tensor Gain) Clean(Cleaning cleaning, int modelVertexCount, Tensor vertexIds, Tensor weights, Tensor colour, Tensor predicted,
        Tensor irradiance, Tensor blend, Tensor pixel, int width, int height)
    {
        var device = colour.device;
        if (cleaning.Parts.Features.Length != modelVertexCount || cleaning.Strain.numel() != modelVertexCount)
        {
            throw new ArgumentException($"The cleaning describes {cleaning.Parts.Features.Length} vertices and {cleaning.Strain.numel()} strains, not the model's {modelVertexCount}.", nameof(cleaning));
        }

        Tensor PerTexel(Tensor perVertex) => BarycentricInterpolation.Interpolate(perVertex.to(float32).to(device).view(1, -1, 1), vertexIds, weights).view(-1);
        var features = PerTexel(tensor(cleaning.Parts.Features));
        var reference = (PerTexel(tensor(cleaning.Parts.Reference.Select(r => r ? 1f : 0f).ToArray())) > 0.5) & (blend.view(-1) > 0.5);
        var skin = TextureCleaning.SkinLikelihood(colour, irradiance, reference);
        var still = TextureCleaning.StrainConfidence(PerTexel(cleaning.Strain));
        static Tensor Median(Tensor t) => t.sort(0).Values.select(0, t.shape[0] / 2);
        Tensor Gain(Tensor rows) => (Median(colour.index_select(0, rows)) / Median(predicted.index_select(0, rows)).clamp_min(1e-3)).clamp(0.5, 2);
        var gain = reference.sum().item<long>() >= 50 ? Gain(reference.nonzero().view(-1)) : ones(3, device: device);

        // The lips keep the photo where it shows the lips' colour (measured on their outer halves); teeth and the dark
        // of an open mouth that fell on them take the lips' colour.
        var lipTrust = ones_like(features);
        var lipGain = gain.unsqueeze(0);
        if (cleaning.Parts.Lips is { } lipWeights && cleaning.Parts.LipReference is { } lipReference)
        {
            if (lipWeights.Length != modelVertexCount || lipReference.Length != modelVertexCount)
            {
                throw new ArgumentException($"The cleaning describes {lipWeights.Length} lip vertices, not the model's {modelVertexCount}.", nameof(cleaning));
            }

            var lips = PerTexel(tensor(lipWeights));
            var lipRows = (PerTexel(tensor(lipReference.Select(r => r ? 1f : 0f).ToArray())) > 0.5) & (blend.view(-1) > 0.5);
            if (lipRows.sum().item<long>() >= 30)
            {
                lipTrust = 1 - (lips * (1 - TextureCleaning.SkinLikelihood(colour, irradiance, lipRows)));
                lipGain = (gain.unsqueeze(0) * (1 - lips).unsqueeze(1)) + (Gain(lipRows.nonzero().view(-1)).unsqueeze(0) * lips.unsqueeze(1));
            }
        }

        // The other features keep the photo whatever their colour and strain: the model's albedo has no brow, and a
        // feature's texel follows it as the expression moves it; the skin around them is tested for both.
        var trust = TextureCleaning.SmoothOverTexels((features * lipTrust) + ((1 - features) * skin * still), pixel, width, height, Math.Max(1, width / 384));
        return (trust, lipGain);
    }

    /// <summary>Whether each point [N, 2] lies inside the closed polygon [L, 2] (even-odd rule, crossings of a ray
    /// towards +x).</summary>
    public static Tensor InsidePolygon(Tensor points, Tensor polygon)
    {
        var (px, py) = (points.narrow(1, 0, 1), points.narrow(1, 1, 1));
        var next = polygon.roll(-1, 0);
        var (ax, ay) = (polygon.select(1, 0).unsqueeze(0), polygon.select(1, 1).unsqueeze(0));
        var (bx, by) = (next.select(1, 0).unsqueeze(0), next.select(1, 1).unsqueeze(0));
        var straddles = (ay > py) != (by > py);
        var crossingX = ax + ((bx - ax) * (py - ay) / where(by == ay, ones_like(by), by - ay));
        var crossings = (straddles & (px < crossingX)).sum([1]);
        return crossings.remainder(2).eq(1);
    }

    /// <summary>Distance [N] from each point [N, 2] to the nearest edge of the closed polygon [L, 2].</summary>
    public static Tensor DistanceToPolygon(Tensor points, Tensor polygon)
    {
        var a = polygon.unsqueeze(0); // [1, L, 2]
        var edge = polygon.roll(-1, 0).unsqueeze(0) - a;
        var offset = points.unsqueeze(1) - a; // [N, L, 2]
        var along = ((offset * edge).sum([2]) / (edge * edge).sum([2]).clamp_min(1e-12)).clamp(0, 1);
        return (offset - (along.unsqueeze(2) * edge)).norm(2).amin([1]);
    }
}
