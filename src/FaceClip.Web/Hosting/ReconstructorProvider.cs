using FaceClip.Core.Expression;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;

namespace FaceClip.Web.Hosting;

/// <summary>The one <see cref="Reconstructor"/> of the process and the <see cref="ExpressionTransfer"/> that shares its
/// face model and networks, loaded on first use (the face model import and the networks take seconds) on the
/// configured compute device.</summary>
public sealed class ReconstructorProvider : IDisposable
{
    private readonly Lazy<Reconstructor> _reconstructor;
    private readonly Lazy<ExpressionTransfer> _transfer;

    public ReconstructorProvider(ModelStore store, ComputeContext compute)
    {
        _reconstructor = new(() => Reconstructor.Load(store, compute.Device), LazyThreadSafetyMode.ExecutionAndPublication);
        _transfer = new(() =>
        {
            var r = _reconstructor.Value;
            return new ExpressionTransfer(r.Model, r.Faces, ExpressionTransfer.ClipCriticFactory(store, compute.Device));
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Reconstructor Get() => _reconstructor.Value;

    public ExpressionTransfer GetTransfer() => _transfer.Value;

    /// <summary>Whether prompts can be any text (CLIP installed) or must be read by the expression lexicon.</summary>
    public bool ClipAvailable => Get().ClipAvailable;

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
