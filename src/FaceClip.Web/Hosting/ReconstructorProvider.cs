using FaceClip.Core.Expression;
using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Web.Jobs;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Hosting;

/// <summary>The one <see cref="Reconstructor"/> of the process and the <see cref="ExpressionTransfer"/> that shares its
/// face model and networks, loaded on first use (the face model import and the networks take seconds) on the
/// configured compute device. A web node of a cluster (<see cref="NodeOptions.Role"/> <c>web</c>) loads none: it runs
/// no jobs, and asking it for the reconstructor is a programming error.</summary>
public sealed class ReconstructorProvider : IDisposable
{
    private readonly Lazy<Reconstructor> _reconstructor;
    private readonly Lazy<ExpressionTransfer> _transfer;
    private readonly ModelStore _store;
    private readonly Lazy<int[]> _topology;

    public ReconstructorProvider(ModelStore store, ComputeContext compute, IOptions<NodeOptions>? node = null)
    {
        _store = store;
        LoadsModels = node?.Value.RunsJobs ?? true;
        _reconstructor = new(() => LoadsModels
            ? Reconstructor.Load(store, compute.Device)
            : throw new InvalidOperationException("This node's role is web: it loads no models."), LazyThreadSafetyMode.ExecutionAndPublication);
        _topology = new(() =>
        {
            // The face model's mesh data (no networks, nothing on the compute device): what the viewer draws.
            var data = IsLoaded ? _reconstructor.Value.Model.Data : IctFaceKitImporter.Load(store);
            return data.VerticesOfTriangles(data.DisplayTriangleIds());
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        _transfer = new(() =>
        {
            var r = _reconstructor.Value;
            return new ExpressionTransfer(r.Model, r.Faces, ExpressionTransfer.ClipCriticFactory(store, compute.Device));
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Reconstructor Get() => _reconstructor.Value;

    public ExpressionTransfer GetTransfer() => _transfer.Value;

    /// <summary>The iterations each stage of a fit with <paramref name="options"/> will run, known before the models
    /// load (whether a regressor starts the fit decides the landmark stages).</summary>
    public FitSchedule ScheduleOf(ReconstructionOptions options) => IsLoaded
        ? _reconstructor.Value.ScheduleOf(options)
        : options.ScheduleFor(Reconstructor.InstalledRegressor(_store) is not null);

    /// <summary>Whether this process loads models and runs jobs (every role but <c>web</c>).</summary>
    public bool LoadsModels { get; }

    /// <summary>Whether prompts can be any text (CLIP installed) or are read by the embedded critic's prompt reader.</summary>
    public bool ClipAvailable => _store.GetStatus("clip").Found;

    /// <summary>The triangles the viewer draws (everything opaque), as indices into the streamed vertex positions.</summary>
    public int[] DisplayTopology => _topology.Value;

    public bool IsLoaded => _reconstructor.IsValueCreated;

    public void Dispose()
    {
        if (_transfer.IsValueCreated)
        {
            _transfer.Value.Dispose();
        }

        if (_reconstructor.IsValueCreated)
        {
            var r = _reconstructor.Value;
            r.Dispose();
            r.Model.Dispose();
            r.Faces.Dispose();
        }
    }
}
