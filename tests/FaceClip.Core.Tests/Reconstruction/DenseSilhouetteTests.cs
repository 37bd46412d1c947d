using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using FaceClip.Core.Tests.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class DenseSilhouetteTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>
{
    private readonly FaceModelData _data = fixture.Data;
    private static readonly PerspectiveCamera Camera = ReconstructionLoss.CropCamera(224);

    [Fact]
    public void TheJawSlidesTheChinAndForeheadStayOnTheSkinAndTheOutlineBesideTheEyesIsLeftOut()
    {
        var map = DenseLandmarkMap.Shipped();
        var sliding = DenseSilhouette.SlidingPoints(map, _data);
        var fixedOnSkin = DenseSilhouette.FixedPoints(map);
        var leftOut = DenseSilhouette.LeftOut(map, _data);
        Console.WriteLine($"sliding {string.Join(' ', sliding)}; fixed {string.Join(' ', fixedOnSkin)}; left out {string.Join(' ', leftOut)}");
        Assert.Contains(172, sliding); // the jaw's outline, right
        Assert.Contains(397, sliding); // and left
        Assert.Contains(152, fixedOnSkin); // the chin
        Assert.Contains(10, fixedOnSkin); // the top of the forehead
        Assert.Contains(234, leftOut); // the outline beside the right eye, where the face meets the ear
        Assert.Contains(454, leftOut);
        Assert.Equal(DenseLandmarkMap.FaceOval.Order(), sliding.Concat(fixedOnSkin).Concat(leftOut).Order());
        Assert.InRange(sliding.Length, 8, 20);
    }

    [Fact]
    public void CandidatesLieAtThePointsHeightOnItsSideOfTheFace()
    {
        using var scope = NewDisposeScope();
        var map = DenseLandmarkMap.Shipped();
        var silhouette = DenseSilhouette.For(Targets(Vertices(0, 1)), map, _data);
        var positions = map.Positions(_data.Neutral);
        for (var k = 0; k < silhouette.Points.Length; k++)
        {
            var i = silhouette.Points[k];
            var candidates = silhouette.CandidatesOf(k);
            Assert.True(candidates.Count > 10, $"point {i} has {candidates.Count} candidates");
            foreach (var v in candidates)
            {
                Assert.Equal(Math.Sign(positions[i * 3]), Math.Sign(_data.Neutral[v * 3]));
                Assert.InRange(_data.Neutral[(v * 3) + 1], positions[(i * 3) + 1] - DenseSilhouette.Band, positions[(i * 3) + 1] + DenseSilhouette.Band);
                Assert.True(_data.Neutral[(v * 3) + 2] >= positions[(i * 3) + 2] - DenseSilhouette.Depth);
            }
        }
    }

    [Fact]
    public void TheChosenVertexIsTheOutlineOfTheFaceAsTheHeadTurns()
    {
        using var scope = NewDisposeScope();
        var map = DenseLandmarkMap.Shipped();
        var frontal = Vertices(0, 1);
        var silhouette = DenseSilhouette.For(Targets(frontal), map, _data);
        silhouette.Update(frontal, Camera);
        var front = silhouette.Current[0].ToArray();

        // Turned by 30 degrees, the +x side of the face turns away: its outline moves forwards onto the cheek, and the
        // other side's moves back towards the ear.
        var turned = Vertices(30, 1);
        var turnedSilhouette = DenseSilhouette.For(Targets(turned), map, _data);
        turnedSilhouette.Update(turned, Camera);
        var away = new List<double>();
        var towards = new List<double>();
        for (var k = 0; k < front.Length; k++)
        {
            var dz = _data.Neutral[(turnedSilhouette.Current[0][k] * 3) + 2] - _data.Neutral[(front[k] * 3) + 2];
            (_data.Neutral[(front[k] * 3)] > 0 ? away : towards).Add(dz);
        }

        Assert.True(away.Average() > 1, $"the turned-away side's outline moved {away.Average():F2} cm forwards");
        Assert.True(towards.Average() < 0, $"the near side's outline moved {towards.Average():F2} cm");

        // Every chosen vertex is the one furthest out along the outline's normal among its candidates, so nothing of
        // the face at that height lies outside it in the image.
        var projected = Camera.Project(turned).cpu().data<float>().ToArray();
        var normals = turnedSilhouette.Normals.cpu().data<float>().ToArray();
        for (var k = 0; k < front.Length; k++)
        {
            var chosen = turnedSilhouette.Current[0][k];
            double Out(long v) => (projected[v * 3] * normals[k * 2]) + (projected[(v * 3) + 1] * normals[(k * 2) + 1]);
            Assert.All(turnedSilhouette.CandidatesOf(k), v => Assert.True(Out(v) <= Out(chosen) + 1e-4));
        }
    }

    [Fact]
    public void ResidualsMeasureAcrossTheOutlineNotAlongIt()
    {
        using var scope = NewDisposeScope();
        var vertices = Vertices(10, 1);
        var silhouette = DenseSilhouette.For(Targets(vertices), DenseLandmarkMap.Shipped(), _data);
        silhouette.Update(vertices, Camera);
        var onOutline = Outline(silhouette, vertices);

        // A target 3 px outside the outline reads -3; moved along the outline it reads the same.
        var tangent = stack([-silhouette.Normals.select(-1, 1), silhouette.Normals.select(-1, 0)], -1);
        var outside = Retarget(silhouette, vertices, onOutline + (silhouette.Normals * 3) + (tangent * 5));
        var residuals = outside.Residuals(vertices, Camera).cpu().data<float>().ToArray();
        Assert.All(residuals, r => Assert.Equal(-3, r, 3));
    }

    /// <summary>A face too wide for its outline narrows too: its outline is taken where it is, not where a vertex
    /// inside the face happens to project onto the network's point.</summary>
    [Theory]
    [InlineData(1.06)]
    [InlineData(0.94)]
    public void FittingTheOutlineGivesTheFaceItsWidth(double width)
    {
        using var scope = NewDisposeScope();
        var map = DenseLandmarkMap.Shipped();
        var wide = Vertices(15, width);
        var truth = DenseSilhouette.For(Targets(wide), map, _data);
        truth.Update(wide, Camera);
        var silhouette = Retarget(truth, wide, Outline(truth, wide));

        var widthScale = new TorchSharp.Modules.Parameter(tensor(1.0f));
        using var optimizer = TorchSharp.torch.optim.Adam([widthScale], lr: 0.01);
        for (var step = 0; step < 150; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var vertices = Vertices(15, widthScale);
            if (step % 10 == 0)
            {
                silhouette.Update(vertices.detach(), Camera);
            }

            var loss = silhouette.Residuals(vertices, Camera).square().mean();
            loss.backward();
            optimizer.step();
        }

        Assert.InRange(widthScale.item<float>(), width - 0.015, width + 0.015);
    }

    [Fact]
    public void TheDenseTargetLeavesTheFaceOvalOutUnlessAskedAndThenSlidesTheJawAndFixesTheChin()
    {
        using var scope = NewDisposeScope();
        var map = DenseLandmarkMap.Shipped();
        var points = Targets(Vertices(0, 1));
        var options = new ReconstructionOptions { DenseLandmarks = true };
        var plain = DenseTarget.For(points, map, options, CPU, _data);
        Assert.Null(plain.Silhouette);
        var weights = plain.Weights.data<float>().ToArray();
        Assert.All(DenseLandmarkMap.FaceOval, i => Assert.Equal(0f, weights[i]));
        Assert.Equal(1f, weights[1]); // the nose tip

        options.DenseSilhouette = true;
        var withOutline = DenseTarget.For(points, map, options, CPU, _data);
        Assert.NotNull(withOutline.Silhouette);
        Assert.Equal(DenseSilhouette.SlidingPoints(map, _data), withOutline.Silhouette.Points);
        weights = withOutline.Weights.data<float>().ToArray();
        Assert.All(DenseSilhouette.FixedPoints(map), i => Assert.Equal(1f, weights[i]));
        Assert.All(withOutline.Silhouette.Points.Concat(DenseSilhouette.LeftOut(map, _data)), i => Assert.Equal(0f, weights[i]));
        var used = weights.Count(w => w > 0) + withOutline.Silhouette.Points.Length;
        Assert.Equal(options.DenseIndependentPoints / used, withOutline.Scale, 9);
    }

    private Tensor Outline(DenseSilhouette silhouette, Tensor vertices)
    {
        using var ids = tensor(silhouette.Current[0]);
        return Camera.Project(vertices.index_select(1, ids)).narrow(2, 0, 2);
    }

    /// <summary>The same sliding points, normals and outline vertices with other targets.</summary>
    private DenseSilhouette Retarget(DenseSilhouette silhouette, Tensor vertices, Tensor sliding)
    {
        var points = Targets(vertices).clone();
        for (var k = 0; k < silhouette.Points.Length; k++)
        {
            points[0, silhouette.Points[k]] = sliding[0, k];
        }

        var result = DenseSilhouette.For(points, DenseLandmarkMap.Shipped(), _data);
        Assert.Equal(silhouette.Points, result.Points);
        result.Normals.copy_(silhouette.Normals);
        result.Update(vertices, Camera);
        Assert.Equal(silhouette.Current[0], result.Current[0]);
        return result;
    }

    /// <summary>The dense points' projections for camera-space vertices [1, V, 3]: each point on the model's surface.</summary>
    private Tensor Targets(Tensor vertices)
    {
        var map = DenseLandmarkMap.Shipped();
        var ids = tensor(map.Points.SelectMany(p => p.Vertices.Select(v => (long)v)).ToArray());
        var bary = tensor(map.Points.SelectMany(p => p.Weights).ToArray()).view(-1, 3, 1);
        var surface = (vertices.detach().index_select(1, ids).view(1, -1, 3, 3) * bary).sum(2);
        return Camera.Project(surface).narrow(2, 0, 2);
    }

    private Tensor Vertices(double yawDegrees, double widthScale) => Vertices(yawDegrees, tensor((float)widthScale));

    /// <summary>The neutral face, its width scaled by <paramref name="widthScale"/>, turned about the vertical axis
    /// and placed in front of the crop camera, [1, V, 3].</summary>
    private Tensor Vertices(double yawDegrees, Tensor widthScale)
    {
        var neutral = tensor(_data.Neutral).view(-1, 3);
        var centre = neutral.index_select(0, tensor(_data.Landmarks.Select(l => (long)l).ToArray())).mean([0], keepdim: true);
        var centred = neutral - centre;
        var scale = stack([widthScale, ones_like(widthScale), ones_like(widthScale)]);
        var a = yawDegrees * Math.PI / 180;
        var rotation = tensor(new float[] { (float)Math.Cos(a), 0, (float)Math.Sin(a), 0, 1, 0, -(float)Math.Sin(a), 0, (float)Math.Cos(a) }).view(3, 3);
        var posed = (centred * scale).matmul(rotation.t());
        return Camera.ToCameraSpace(posed).unsqueeze(0);
    }
}
