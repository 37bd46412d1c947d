using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// Face Mesh's face-oval points that lie on the silhouette, fitted as points that slide along it: the network puts them
/// on the outline of the face it sees, which is a different place on the skin for every head pose and face width (the
/// renders the map was learnt from placed them 5-32 mm apart, against 3 mm for the points inside the face). Each such
/// point has candidate vertices: the model's face vertices at its height on its side of the face, from the front of
/// the cheek back to 3 cm behind its learnt place (the ears stay out). <see cref="Update"/> takes, for each point, the
/// candidate that lies furthest out in the image along the outline's outward normal — the current mesh's silhouette at
/// that height — and <see cref="Residuals"/> measures how far that silhouette lies from the network's point along the
/// normal only, so the point can slide along the outline. Its tensors belong to the dispose scope it was made in, as
/// the rest of <see cref="DenseTarget"/>'s do.
/// </summary>
public sealed class DenseSilhouette
{
    /// <summary>Half the height of a point's band of candidates, in model units (cm).</summary>
    public const float Band = 0.35f;

    /// <summary>How far behind its learnt place a candidate may lie (cm): the cheek's side, not the ear.</summary>
    public const float Depth = 3f;

    /// <summary>A face-oval point slides when the renders placed it more than this many times further apart than the
    /// median point inside the face (<see cref="DenseLandmarkPoint.SpreadMm"/>); the chin and the top of the forehead
    /// stay fixed places on the skin.</summary>
    public const double SlidingSpread = 1.5;

    private readonly int[][] _candidates;
    private readonly Tensor _flatIds;

    private DenseSilhouette(int[] points, int[][] candidates, Tensor target, Tensor normals)
    {
        Points = points;
        _candidates = candidates;
        _flatIds = tensor(candidates.SelectMany(c => c).Select(v => (long)v).ToArray(), device: target.device);
        Target = target;
        Normals = normals;
        var batch = (int)target.shape[0];
        Current = Enumerable.Range(0, batch).Select(_ => candidates.Select(c => (long)c[0]).ToArray()).ToArray();
    }

    /// <summary>The dense point indices that slide (indices into <see cref="DenseLandmarkMap.Points"/>).</summary>
    public int[] Points { get; }

    /// <summary>The network's sliding points in crop pixels [B, S, 2].</summary>
    public Tensor Target { get; }

    /// <summary>The outline's outward unit normal at each sliding point [B, S, 2], from the network's face oval.</summary>
    public Tensor Normals { get; }

    /// <summary>Each face's current silhouette vertex per sliding point (a candidate's model vertex).</summary>
    public long[][] Current { get; }

    /// <summary>The candidates of sliding point <paramref name="k"/> (model vertices; the learnt place's nearest first).</summary>
    public IReadOnlyList<int> CandidatesOf(int k) => _candidates[k];

    /// <summary>The 68-point landmark below which the outline is the surface's silhouette (33: the base of the nose).</summary>
    public const int LowestNoseLandmark = 33;

    /// <summary>Which face-oval points slide: those the renders did not agree on (<see cref="SlidingSpread"/>) below the
    /// base of the nose, where the outline is the jaw's and cheeks' silhouette against the neck and the background.
    /// Higher up the outline runs where the face meets the ears and the hair, which is not where the surface turns away
    /// (the head goes on behind it); those points are left out, as the 68-point detector's outline is.</summary>
    public static int[] SlidingPoints(DenseLandmarkMap map, FaceModelData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var fixedOnSkin = FixedPoints(map).ToHashSet();
        var positions = map.Positions(data.Neutral);
        var noseBase = data.Neutral[(data.Landmarks[LowestNoseLandmark] * 3) + 1];
        return DenseLandmarkMap.FaceOval.Where(i => !fixedOnSkin.Contains(i) && positions[(i * 3) + 1] < noseBase).ToArray();
    }

    /// <summary>Face-oval points that are neither fixed on the skin nor sliding (<see cref="SlidingPoints"/>): the
    /// outline beside the eyes and the temples.</summary>
    public static int[] LeftOut(DenseLandmarkMap map, FaceModelData data)
    {
        var sliding = SlidingPoints(map, data).ToHashSet();
        var fixedOnSkin = FixedPoints(map).ToHashSet();
        return DenseLandmarkMap.FaceOval.Where(i => !sliding.Contains(i) && !fixedOnSkin.Contains(i)).ToArray();
    }

    /// <summary>Face-oval points the renders placed as consistently as the points inside the face: fitted as fixed
    /// places on the skin (the chin, the top of the forehead).</summary>
    public static int[] FixedPoints(DenseLandmarkMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var oval = DenseLandmarkMap.FaceOval.ToHashSet();
        var inside = map.Points.Take(DenseLandmarkMap.IrisCentre).Where((p, i) => !oval.Contains(i) && !p.Contour).Select(p => p.SpreadMm).Order().ToArray();
        var median = inside.Length == 0 ? 0 : inside[inside.Length / 2];
        return DenseLandmarkMap.FaceOval.Where(i => !map.Points[i].Contour || map.Points[i].SpreadMm <= SlidingSpread * median).ToArray();
    }

    /// <summary>The sliding points of one batch of faces' dense points [B, P, 2] in crop pixels.</summary>
    public static DenseSilhouette For(Tensor cropPoints, DenseLandmarkMap map, FaceModelData data)
    {
        ArgumentNullException.ThrowIfNull(cropPoints);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(data);
        if (data.SourceVertices is not null)
        {
            throw new ArgumentException("The dense map's vertices are the full model's; a subset model cannot place them.", nameof(data));
        }

        var points = SlidingPoints(map, data);
        var positions = map.Positions(data.Neutral);
        var onFace = data.RegionVertexMask(FaceRegion.Face);
        var candidates = points.Select(i => Candidates(data.Neutral, onFace, positions[i * 3], positions[(i * 3) + 1], positions[(i * 3) + 2])).ToArray();
        var oval = DenseLandmarkMap.FaceOval.ToArray();
        var ovalPoints = cropPoints.index_select(1, tensor(oval.Select(i => (long)i).ToArray(), device: cropPoints.device)); // [B, O, 2]
        var next = ovalPoints.roll(-1, 1);
        var previous = ovalPoints.roll(1, 1);
        var tangent = next - previous;
        var normal = stack([tangent.select(-1, 1), -tangent.select(-1, 0)], -1);
        var outward = ovalPoints - ovalPoints.mean([1], keepdim: true);
        var sign = (normal * outward).sum(-1, keepdim: true).sign();
        normal = normal * where(sign == 0, ones_like(sign), sign);
        normal /= normal.norm(-1, keepdim: true).clamp_min(1e-6);
        var at = points.Select(i => (long)Array.IndexOf(oval, i)).ToArray();
        using var atIds = tensor(at, device: cropPoints.device);
        var target = cropPoints.index_select(1, tensor(points.Select(i => (long)i).ToArray(), device: cropPoints.device)).detach();
        return new DenseSilhouette(points, candidates, target, normal.index_select(1, atIds).detach());
    }

    /// <summary>For each face and sliding point, the candidate furthest out along the outline's normal in the image:
    /// the current mesh's silhouette at the point's height.</summary>
    public void Update(Tensor cameraVertices, PerspectiveCamera camera)
    {
        ArgumentNullException.ThrowIfNull(cameraVertices);
        ArgumentNullException.ThrowIfNull(camera);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var projected = camera.Project(cameraVertices.index_select(1, _flatIds)).narrow(2, 0, 2).cpu().data<float>().ToArray();
        var normals = Normals.cpu().data<float>().ToArray();
        var perFace = (int)_flatIds.shape[0] * 2;
        var s = Points.Length;
        for (var b = 0; b < Current.Length; b++)
        {
            var offset = 0;
            for (var k = 0; k < s; k++)
            {
                float nx = normals[(((b * s) + k) * 2)], ny = normals[(((b * s) + k) * 2) + 1];
                var best = double.MinValue;
                for (var j = 0; j < _candidates[k].Length; j++)
                {
                    var at = (b * perFace) + ((offset + j) * 2);
                    var outward = (projected[at] * nx) + (projected[at + 1] * ny);
                    if (outward > best)
                    {
                        best = outward;
                        Current[b][k] = _candidates[k][j];
                    }
                }

                offset += _candidates[k].Length;
            }
        }
    }

    /// <summary>How far each face's current silhouette vertex lies outside the network's point, along the outline's
    /// normal, in crop pixels [B, S] (negative: inside).</summary>
    public Tensor Residuals(Tensor cameraVertices, PerspectiveCamera camera)
    {
        ArgumentNullException.ThrowIfNull(cameraVertices);
        ArgumentNullException.ThrowIfNull(camera);
        var batch = cameraVertices.shape[0];
        using var ids = tensor(Current.SelectMany(c => c).ToArray(), device: cameraVertices.device).view(batch, -1, 1).expand(batch, -1, 3);
        var projected = camera.Project(cameraVertices.gather(1, ids)).narrow(2, 0, 2);
        return ((projected - Target) * Normals).sum(-1);
    }

    /// <summary>Face vertices within <see cref="Band"/> of the point's height, on its side, not more than
    /// <see cref="Depth"/> behind it; the one nearest the point first.</summary>
    private static int[] Candidates(float[] neutral, bool[] onFace, float px, float py, float pz)
    {
        var side = Math.Sign(px);
        var list = new List<(float Distance, int Vertex)>();
        for (var v = 0; v < onFace.Length; v++)
        {
            float x = neutral[v * 3], y = neutral[(v * 3) + 1], z = neutral[(v * 3) + 2];
            if (!onFace[v] || (side != 0 && Math.Sign(x) != side) || Math.Abs(y - py) > Band || z < pz - Depth)
            {
                continue;
            }

            list.Add((((x - px) * (x - px)) + ((z - pz) * (z - pz)), v));
        }

        return list.Count == 0
            ? throw new InvalidOperationException($"No face vertex lies at the height of the silhouette point ({px:F1}, {py:F1}, {pz:F1}).")
            : list.OrderBy(e => e.Distance).Select(e => e.Vertex).ToArray();
    }
}
