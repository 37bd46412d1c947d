using System.Runtime;
using System.Runtime.InteropServices;

namespace FaceClip.Web.Jobs;

/// <summary>
/// Gives a finished job's memory back to the system. ImageSharp's pooled buffers are released, a job's large buffers (a decoded photo, tensors whose
/// finalizers free native memory) are collected at once instead of when the GC next feels like it, the large object
/// heap is compacted, and glibc is asked to return the freed pages of its heaps (<c>malloc_trim</c>): without that,
/// the process keeps the high-water mark of every job it has run.
/// </summary>
public static class MemoryRelease
{
    private static bool _trimAvailable = OperatingSystem.IsLinux();

    public static void AfterJob()
    {
        SixLabors.ImageSharp.Configuration.Default.MemoryAllocator.ReleaseRetainedResources();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        if (_trimAvailable)
        {
            try
            {
                MallocTrim(0);
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                _trimAvailable = false; // not glibc (musl has no malloc_trim)
            }
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
