namespace FaceClip.Core.Evaluation;

/// <summary>The landmark benchmark's figures over a group of faces (one source, or all).</summary>
/// <param name="Name">The group (a source folder, or <c>all</c>).</param>
/// <param name="Faces">Annotated faces in the group.</param>
/// <param name="Found">Faces the detector found (matched to a detection).</param>
/// <param name="Fitted">Faces the fit ran on to the end.</param>
/// <param name="DetectorNmeEyes">The detector's NME over the outer-eye-corner distance, on the found faces (null: none).</param>
/// <param name="DetectorNmeBox">The detector's NME over √(landmark-box area), on the found faces.</param>
/// <param name="FittedDetectorNmeBox">The detector's NME over √(box area) on the fitted faces only (the fit's own baseline).</param>
/// <param name="FitNmeEyes">The fitted landmarks' NME over the outer-eye-corner distance, on the fitted faces.</param>
/// <param name="FitNmeBox">The fitted landmarks' NME over √(landmark-box area), on the fitted faces.</param>
/// <param name="FitCloser">On how many fitted faces the fitted landmarks are closer to the annotation than the
/// detector's (box-normalised NME).</param>
public sealed record LandmarkGroupSummary(
    string Name,
    int Faces,
    int Found,
    int Fitted,
    SampleSummary? DetectorNmeEyes,
    SampleSummary? DetectorNmeBox,
    SampleSummary? FittedDetectorNmeBox,
    SampleSummary? FitNmeEyes,
    SampleSummary? FitNmeBox,
    SuccessRate FitCloser)
{
    /// <summary>The name of the group of every face.</summary>
    public const string All = "all";

    /// <summary>The figures of <paramref name="results"/> under <paramref name="name"/>.</summary>
    public static LandmarkGroupSummary Of(string name, IReadOnlyCollection<LandmarkFaceResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var found = results.Where(r => r.Found).ToList();
        var fitted = results.Where(r => r.Fitted && r.Found).ToList();
        static SampleSummary? Summary(IEnumerable<double?> values)
        {
            var v = values.Where(x => x.HasValue).Select(x => x!.Value).ToList();
            return v.Count == 0 ? null : SampleSummary.Of(v);
        }

        return new LandmarkGroupSummary(
            name,
            results.Count,
            found.Count,
            results.Count(r => r.Fitted),
            Summary(found.Select(r => r.DetectorNmeEyes)),
            Summary(found.Select(r => r.DetectorNmeBox)),
            Summary(fitted.Select(r => r.DetectorNmeBox)),
            Summary(fitted.Select(r => r.FitNmeEyes)),
            Summary(fitted.Select(r => r.FitNmeBox)),
            SuccessRate.Count(fitted, r => r.FitNmeBox < r.DetectorNmeBox));
    }

    /// <summary>One summary per source (in order of first appearance), then <see cref="All"/>.</summary>
    public static IReadOnlyList<LandmarkGroupSummary> BySource(IReadOnlyList<LandmarkFaceResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var groups = results.GroupBy(r => r.Source).Select(g => Of(g.Key, g.ToList())).ToList();
        groups.Add(Of(All, results));
        return groups;
    }
}
