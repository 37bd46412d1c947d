using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;

namespace FaceClip.Web.Hosting;

/// <summary>The one <see cref="Reconstructor"/> of the process, loaded on first use (the face model import and the
/// networks take seconds) on the configured compute device.</summary>
public sealed class ReconstructorProvider(ModelStore store, ComputeContext compute) : IDisposable
{
    private readonly Lazy<Reconstructor> _reconstructor = new(() => Reconstructor.Load(store, compute.Device), LazyThreadSafetyMode.ExecutionAndPublication);

    public Reconstructor Get() => _reconstructor.Value;

    public bool IsLoaded => _reconstructor.IsValueCreated;

    public void Dispose()
    {
        if (_reconstructor.IsValueCreated)
        {
            var r = _reconstructor.Value;
            r.Dispose();
            r.Model.Dispose();
            r.Faces.Dispose();
        }
    }
}
