using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using FaceClip.Core.Tests.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class TextureCleaningTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>
{
    [Fact]
    public void StrainIsTheChangeOfAreaNotOfPlace()
    {
        using var scope = NewDisposeScope();
        // Two triangles sharing no vertex: the first moved 5 cm (no strain), the second scaled by 2 in x (area x2).
        var before = tensor(new[] { 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f, 0f, 3f, 0f, 0f, 4f, 0f, 0f, 3f, 1f, 0f }).view(1, 6, 3);
        var after = tensor(new[] { 5f, 0f, 0f, 6f, 0f, 0f, 5f, 1f, 0f, 3f, 0f, 0f, 5f, 0f, 0f, 3f, 1f, 0f }).view(1, 6, 3);
        var triangles = tensor(new long[] { 0, 1, 2, 3, 4, 5 }).view(2, 3);
        var strain = TextureCleaning.Strain(after, before, triangles, 6).data<float>().ToArray();
        Assert.All(strain.Take(3), s => Assert.Equal(0f, s, 5));
        Assert.All(strain.Skip(3), s => Assert.Equal(MathF.Log(2), s, 4));
        var confidence = TextureCleaning.StrainConfidence(tensor(new[] { 0f, (float)TextureCleaning.StrainStart, 0.19f, (float)TextureCleaning.StrainEnd, 1f })).data<float>().ToArray();
        Assert.Equal(1f, confidence[0]);
        Assert.Equal(1f, confidence[1], 5);
        Assert.InRange(confidence[2], 0.4f, 0.6f);
        Assert.Equal(0f, confidence[3], 5);
        Assert.Equal(0f, confidence[4]);
    }

    [Fact]
    public void SkinIsTheCheeksColourUnderAnyShadingAndHairAndBackgroundAreNot()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var skin = new[] { 0.78f, 0.58f, 0.48f };
        // 200 reference texels: the skin colour under shading between 0.6 and 1.1, with a little noise.
        var shading = rand(200, 1, generator: generator) * 0.5 + 0.6;
        var reference = (tensor(skin).view(1, 3) * shading + (randn(200, 3, generator: generator) * 0.01)).clamp(0, 1);
        Tensor Colour(float r, float g, float b, float light) => tensor(new[] { r * light, g * light, b * light }).view(1, 3);
        var tests = cat([
            Colour(skin[0], skin[1], skin[2], 0.7f), // skin in shadow
            Colour(skin[0], skin[1], skin[2], 1.0f), // skin in the light
            Colour(0.25f, 0.16f, 0.10f, 1.0f), // dark brown hair
            Colour(0.95f, 0.85f, 0.35f, 1.0f), // blond hair
            Colour(0.30f, 0.45f, 0.80f, 1.0f), // a blue wall
            Colour(0.35f, 0.55f, 0.30f, 1.0f), // foliage
        ], 0);
        var colours = cat([reference, tests], 0);
        var irradiance = cat([shading.expand(-1, 3), tensor(new[] { 0.7f, 1f, 1f, 1f, 1f, 1f }).view(6, 1).expand(-1, 3)], 0);
        var isReference = cat([ones(200, dtype: ScalarType.Bool), zeros(6, dtype: ScalarType.Bool)], 0);
        var p = TextureCleaning.SkinLikelihood(colours, irradiance, isReference).data<float>().Skip(200).ToArray();
        Assert.True(p[0] > 0.6f && p[1] > 0.6f, $"skin under either light: {p[0]:F2}, {p[1]:F2}");
        Assert.All(p.Skip(2), q => Assert.True(q < 0.1f, $"not skin: {string.Join(", ", p.Select(x => x.ToString("F2")))}"));

        // Too few reference texels to measure the skin: everything counts as skin (the photo is kept).
        Assert.All(TextureCleaning.SkinLikelihood(tests, ones(6, 3), ones(6, dtype: ScalarType.Bool)).data<float>().ToArray(), q => Assert.Equal(1f, q));
    }

    [Fact]
    public void SmoothingUsesCoveredTexelsOnly()
    {
        using var scope = NewDisposeScope();
        // Texels of an 8 x 4 texture: the left half covered with 1, then one texel set to 0.
        var pixel = tensor(Enumerable.Range(0, 32).Where(i => i % 8 < 4).Select(i => (long)i).ToArray());
        var values = ones(pixel.shape[0]);
        var smooth = TextureCleaning.SmoothOverTexels(values, pixel, 8, 4, 1).data<float>().ToArray();
        Assert.All(smooth, v => Assert.Equal(1f, v, 5)); // the uncovered half pulls nothing in
        values[5] = 0f;
        smooth = TextureCleaning.SmoothOverTexels(values, pixel, 8, 4, 1).data<float>().ToArray();
        Assert.True(smooth[5] is > 0.5f and < 1f && smooth[0] is > 0.5f and < 1f && smooth[15] == 1f, string.Join(", ", smooth));
    }

    [Fact]
    public void TheFeaturesAreKeptTheCheeksAreTheReferenceAndTheScalpIsTested()
    {
        var data = fixture.Data;
        var parts = TextureCleaning.SkinParts.Of(data);
        Assert.Equal(data.VertexCount, parts.Features.Length);
        // Brows, eyes, nose and lips are features; so are the eyeballs and teeth.
        foreach (var landmark in new[] { 19, 24, 30, 37, 44, 51, 57, 62 })
        {
            Assert.Equal(1f, parts.Features[data.Landmarks[landmark]]);
        }

        Assert.All(data.VerticesOfTriangles(data.TriangleIdsWhere(r => r is FaceRegion.Teeth or FaceRegion.ScleraLeft)), v => Assert.Equal(1f, parts.Features[v]));
        // The back of the head and the top of the scalp are skin-tested throughout.
        var top = Enumerable.Range(0, data.VertexCount).Where(v => data.Neutral[(3 * v) + 1] > data.Neutral[(3 * data.Landmarks[19]) + 1] + 6).ToList();
        Assert.NotEmpty(top);
        Assert.All(top, v => Assert.Equal(0f, parts.Features[v]));
        // The reference is on the cheeks: a few hundred vertices, below the eyes, above the mouth, none a feature.
        var reference = Enumerable.Range(0, data.VertexCount).Where(v => parts.Reference[v]).ToList();
        Assert.InRange(reference.Count, 100, 5000);
        Assert.All(reference, v => Assert.True(parts.Features[v] < 0.5f));
        Assert.Contains(reference, v => data.Neutral[3 * v] > 2);
        Assert.Contains(reference, v => data.Neutral[3 * v] < -2);
    }

    /// <summary>A 4 x 4 grid of quads facing the camera (x, y from -2 to 2 at z = -10; u, v from 0 to 1): its UVs, triangles,
    /// vertices [1, 25, 3] and vertices per side.</summary>
    private static (float[] Uvs, int[] Triangles, Tensor Vertices, int Side) FacingGrid()
    {
        const int n = 5;
        var verts = new List<float>();
        var uv = new List<float>();
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                verts.AddRange([-2 + i, -2 + j, -10]);
                uv.AddRange([i / (float)(n - 1), j / (float)(n - 1)]);
            }
        }

        var tris = new List<int>();
        for (var j = 0; j < n - 1; j++)
        {
            for (var i = 0; i < n - 1; i++)
            {
                var a = (j * n) + i;
                tris.AddRange([a, a + 1, a + n + 1, a, a + n + 1, a + n]);
            }
        }

        return (uv.ToArray(), tris.ToArray(), tensor(verts.ToArray()).view(1, n * n, 3), n);
    }

    [Fact]
    public void TheBakeGivesHairTheSkinToneAndKeepsTheSkin()
    {
        using var scope = NewDisposeScope();
        // A 4 x 4 grid of quads facing the camera; the photo is skin-coloured except a dark band (hair) over the top row.
        var (uvs, tri, vertices, n) = FacingGrid();
        var count = n * n;
        var camera = new PerspectiveCamera(64, 64, Focal: 64, Distance: 10);
        var crop = new FaceCrop(0, 0, 64, 64);
        var skin = new[] { 200f, 150f, 125f };
        var photo = stack(skin.Select(c => full(64, 64, c)).ToArray()).unsqueeze(0);
        // Hair over the top row of quads (y from 1 to 2: photo rows 19-26), a crease across the bottom one (rows 42-44, y from -1.9 to -1.6).
        photo.narrow(2, 0, 26).copy_(tensor(new[] { 60f, 40f, 25f }).view(1, 3, 1, 1).expand(1, 3, 26, 64));
        photo.narrow(2, 42, 3).copy_(tensor(new[] { 160f, 120f, 100f }).view(1, 3, 1, 1).expand(1, 3, 3, 64));
        var albedo = tensor(Enumerable.Range(0, count).SelectMany(_ => new[] { 0.6f, 0.45f, 0.4f }).ToArray()).view(1, count, 3);
        var lighting = zeros(1, 27);
        lighting[0, 0] = 1 / 0.886227f; // a uniform light of irradiance 1 (Y00's band factor)
        // No features; the lower three rows are the reference skin; no expression strain.
        var reference = Enumerable.Range(0, count).Select(v => v / n < 3).ToArray();
        var cleaning = new TextureBaker.Cleaning(new TextureCleaning.SkinParts(new float[count], reference), zeros(count));

        var plain = TextureBaker.Bake(uvs, tri, tri, 64, 64, count, vertices, camera, crop, photo, albedo, lighting);
        var cleaned = TextureBaker.Bake(uvs, tri, tri, 64, 64, count, vertices, camera, crop, photo, albedo, lighting, cleaning: cleaning);
        // Texture row 0 is v = 1 (the top of the quad grid, under the hair); row 40 is skin, row 61 the crease.
        float[] At(Tensor t, int row, int column) => [.. Enumerable.Range(0, 3).Select(c => t[0, c, row, column].item<float>() * 255)];
        var hairPlain = At(plain, 2, 32);
        var hairCleaned = At(cleaned, 2, 32);
        var skinCleaned = At(cleaned, 40, 32);
        Assert.True(hairPlain[0] < 90, $"without cleaning the hair is baked on: {string.Join(", ", hairPlain)}");
        Assert.True(hairCleaned.Zip(skin).All(x => Math.Abs(x.First - x.Second) < 25), $"the hair takes the skin tone: {string.Join(", ", hairCleaned)}");
        Assert.True(skinCleaned.Zip(skin).All(x => Math.Abs(x.First - x.Second) < 6), $"skin stays the photo's: {string.Join(", ", skinCleaned)}");

        // The crease is shaded skin, so it stays; where the expression strained the skin it fades to the skin tone.
        var creasePlain = At(cleaned, 61, 32);
        var strained = new TextureBaker.Cleaning(cleaning.Parts, tensor(Enumerable.Range(0, count).Select(v => v / n == 0 ? 1f : 0f).ToArray()));
        var creaseStrained = At(TextureBaker.Bake(uvs, tri, tri, 64, 64, count, vertices, camera, crop, photo, albedo, lighting, cleaning: strained), 61, 32);
        Assert.True(creasePlain[1] < 130, $"without strain the crease is the photo's: {string.Join(", ", creasePlain)}");
        Assert.True(creaseStrained.Zip(skin).All(x => Math.Abs(x.First - x.Second) < 12), $"a strained crease takes the skin tone: {string.Join(", ", creaseStrained)}");
        // A feature (a lip, a brow) keeps the photo even where the expression strained it.
        var feature = new TextureBaker.Cleaning(new TextureCleaning.SkinParts([.. Enumerable.Range(0, count).Select(v => v / n <= 1 ? 1f : 0f)], reference), strained.Strain);
        var creaseFeature = At(TextureBaker.Bake(uvs, tri, tri, 64, 64, count, vertices, camera, crop, photo, albedo, lighting, cleaning: feature), 61, 32);
        Assert.True(creaseFeature.Zip(new[] { 160f, 120f, 100f }).All(x => Math.Abs(x.First - x.Second) < 3), $"a strained feature keeps the photo: {string.Join(", ", creaseFeature)}");
        Assert.Throws<ArgumentException>(() => TextureBaker.Bake(uvs, tri, tri, 64, 64, count, vertices, camera, crop, photo, albedo, lighting,
            cleaning: new TextureBaker.Cleaning(cleaning.Parts, zeros(3))));
    }

    [Fact]
    public void TeethOnTheLipsTakeTheLipsColourAndTheLipsKeepThePhoto()
    {
        using var scope = NewDisposeScope();
        // A 4 x 4 grid of quads facing the camera: skin, with lips over the middle (y from -1.2 to 1.2: photo rows
        // 25-39) and the teeth of an open mouth across them (y from -0.3 to 0.3: rows 30-34), as when the fit's lips are
        // a little more closed than the photo's.
        var (uvs, tri, vertices, n) = FacingGrid();
        var count = n * n;
        var camera = new PerspectiveCamera(64, 64, Focal: 64, Distance: 10);
        var crop = new FaceCrop(0, 0, 64, 64);
        var lip = new[] { 170f, 85f, 90f };
        var teeth = new[] { 235f, 230f, 220f };
        var photo = stack(new[] { 200f, 150f, 125f }.Select(c => full(64, 64, c)).ToArray()).unsqueeze(0);
        photo.narrow(2, 25, 15).copy_(tensor(lip).view(1, 3, 1, 1).expand(1, 3, 15, 64));
        photo.narrow(2, 30, 5).copy_(tensor(teeth).view(1, 3, 1, 1).expand(1, 3, 5, 64));
        var albedo = tensor(Enumerable.Range(0, count).SelectMany(_ => new[] { 0.6f, 0.45f, 0.4f }).ToArray()).view(1, count, 3);
        var lighting = zeros(1, 27);
        lighting[0, 0] = 1 / 0.886227f;
        // Rows of vertices 1-3 are the lips (a feature), 1 and 3 their outer halves; rows 0 and 4 the reference skin.
        int Row(int v) => v / n;
        var features = Enumerable.Range(0, count).Select(v => Row(v) is >= 1 and <= 3 ? 1f : 0f).ToArray();
        var reference = Enumerable.Range(0, count).Select(v => Row(v) is 0 or 4).ToArray();
        var lipReference = Enumerable.Range(0, count).Select(v => Row(v) is 1 or 3).ToArray();
        Tensor Bake(TextureCleaning.SkinParts parts) =>
            TextureBaker.Bake(uvs, tri, tri, 64, 64, count, vertices, camera, crop, photo, albedo, lighting, cleaning: new TextureBaker.Cleaning(parts, zeros(count)));
        // Texture row 32 is y = 0 (the teeth), row 19 is y = 0.8 (lip).
        float[] At(Tensor t, int row, int column) => [.. Enumerable.Range(0, 3).Select(c => t[0, c, row, column].item<float>() * 255)];
        bool Near(float[] a, float[] b, float tolerance) => a.Zip(b).All(x => Math.Abs(x.First - x.Second) < tolerance);

        var featuresOnly = Bake(new TextureCleaning.SkinParts(features, reference));
        Assert.True(Near(At(featuresOnly, 32, 32), teeth, 6), $"without the lip test the teeth stay on the lips: {string.Join(", ", At(featuresOnly, 32, 32))}");
        var cleaned = Bake(new TextureCleaning.SkinParts(features, reference, features, lipReference));
        Assert.True(Near(At(cleaned, 32, 32), lip, 20), $"the teeth on the lips take the lips' colour: {string.Join(", ", At(cleaned, 32, 32))}");
        Assert.True(Near(At(cleaned, 19, 32), lip, 6), $"the lips keep the photo: {string.Join(", ", At(cleaned, 19, 32))}");
        Assert.True(Near(At(cleaned, 2, 32), [200f, 150f, 125f], 6), $"the skin keeps the photo: {string.Join(", ", At(cleaned, 2, 32))}");
    }

    [Fact]
    public void TheLipsAreInsideTheOuterLipContourAndTheirOuterHalvesAreTheReference()
    {
        var data = fixture.Data;
        var parts = TextureCleaning.SkinParts.Of(data);
        var lips = Assert.IsType<float[]>(parts.Lips);
        var reference = Assert.IsType<bool[]>(parts.LipReference);
        float X(int v) => data.Neutral[3 * v];
        float Y(int v) => data.Neutral[(3 * v) + 1];
        var lipVertices = Enumerable.Range(0, data.VertexCount).Where(v => lips[v] > 0).ToList();
        Assert.InRange(lipVertices.Count, 20, 3000);
        // Between the mouth corners, below the nose, above the chin; all of them features.
        Assert.All(lipVertices, v =>
        {
            Assert.InRange(X(v), X(data.Landmarks[48]) - 0.01f, X(data.Landmarks[54]) + 0.01f);
            Assert.True(Y(v) < Y(data.Landmarks[33]) && Y(v) > Y(data.Landmarks[8]));
            Assert.Equal(1f, parts.Features[v]);
        });
        // The outer halves: upper-lip and lower-lip vertices both, none on the inner contour.
        var mouthLine = (Y(data.Landmarks[62]) + Y(data.Landmarks[66])) / 2;
        Assert.Contains(lipVertices, v => reference[v] && Y(v) > mouthLine);
        Assert.Contains(lipVertices, v => reference[v] && Y(v) < mouthLine);
        Assert.All(Enumerable.Range(61, 7).Select(i => data.Landmarks[i]).Where(v => lips[v] > 0), v => Assert.False(reference[v]));
        Assert.All(Enumerable.Range(0, data.VertexCount).Where(v => reference[v]), v => Assert.True(lips[v] > 0));
    }
}
