using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace FaceClip.Core.Runtime;

/// <summary>
/// Keeps a TorchSharp <see cref="Scalar"/> or tensor handle that .NET's finalizer disposes alive in native memory for
/// two seconds before it is freed. TorchSharp makes a Scalar for every implicit number and for the alpha of every
/// tensor sum (<c>a + b</c> is <c>add(b, 1)</c>), and a tensor made outside a dispose scope is left to the finalizer;
/// such an object is unreachable once its handle has been read, so the garbage collector can finalize it, and free it,
/// while the native operation is still reading it: a fit then fails at random with "Expected false to be true" from
/// <c>c10::Scalar::toFloat</c>, or the process crashes in <c>copy_</c>. The build puts
/// <c>libfaceclip_handle_quarantine.so</c> next to <c>libLibTorchSharp.so</c> (build/native/handle_quarantine.c): it
/// defines <c>THSTorch_dispose_scalar</c> and <c>THSTensor_dispose</c>, holding what the finalizer thread disposes
/// (what code disposes itself is freed at once, as before), and depends on the real library for every other symbol.
/// This class makes the TorchSharp assembly's P/Invokes bind through it, before any of them is bound (a module
/// initializer), and tells it which thread is the finalizer's (until then it holds everything). Where the library is
/// absent (not Linux, or a build without a C compiler), or with FACECLIP_HANDLE_QUARANTINE=off, TorchSharp binds as it
/// always does.
/// </summary>
public static class HandleQuarantine
{
    private const string Library = "libfaceclip_handle_quarantine.so";
    private static IntPtr _handle;

    /// <summary>Whether TorchSharp's native calls go through the quarantine.</summary>
    public static bool Active => _handle != IntPtr.Zero;

    /// <summary>Where the library was loaded from, or null.</summary>
    public static string? LibraryPath { get; private set; }

    /// <summary>How long a handle the finalizer disposes is held before it is freed.</summary>
    public static TimeSpan Hold => Active ? TimeSpan.FromTicks(Export<Int64Fn>("faceclip_quarantine_hold_ns")() / 100) : TimeSpan.Zero;

    /// <summary>Handles held now (0 when the quarantine is not active).</summary>
    public static long Held => Active ? (long)Export<SizeFn>("faceclip_quarantine_held")() : 0;

    /// <summary>Handles held since the process started (0 when the quarantine is not active).</summary>
    public static long EverHeld => Active ? (long)Export<UInt64Fn>("faceclip_quarantine_disposed")() : 0;

    /// <summary>Held handles freed since the process started (0 when the quarantine is not active).</summary>
    public static long Freed => Active ? (long)Export<UInt64Fn>("faceclip_quarantine_freed")() : 0;

    /// <summary>Whether the quarantine knows the finalizer thread (before, it holds every disposed handle).</summary>
    public static bool KnowsFinalizerThread => Active && Export<IntFn>("faceclip_quarantine_finalizer_known")() != 0;

    /// <summary>Whether the native handle <paramref name="handle"/> has been disposed and is held, not yet freed.</summary>
    public static bool Holds(IntPtr handle) => Active && Export<HoldsFn>("faceclip_quarantine_holds")(handle) != 0;

    /// <summary>Tells the quarantine which thread is the finalizer's now rather than at the next collection.</summary>
    public static void LearnFinalizerThread()
    {
        for (var i = 0; i < 10 && Active && !KnowsFinalizerThread; i++)
        {
            CreateProbe();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolver must be in place before TorchSharp binds its first P/Invoke, whatever uses this library first.")]
    internal static void Install()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("FACECLIP_HANDLE_QUARANTINE") == "off")
        {
            return;
        }

        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Another resolver was set for TorchSharp first: leave it.
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != "LibTorchSharp")
        {
            return IntPtr.Zero;
        }

        if (_handle == IntPtr.Zero)
        {
            foreach (var candidate in Candidates(assembly))
            {
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                {
                    _handle = handle;
                    LibraryPath = candidate;
                    CreateProbe(); // the first collection's finalizer run names the finalizer thread
                    break;
                }
            }
        }

        return _handle; // zero: TorchSharp's own resolution
    }

    /// <summary>Next to libLibTorchSharp.so: the app's runtimes folder (a build or publish output), then its base.</summary>
    private static IEnumerable<string> Candidates(Assembly assembly)
    {
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        foreach (var root in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(assembly.Location) ?? string.Empty }.Distinct())
        {
            yield return Path.Combine(root, "runtimes", rid, "native", Library);
            yield return Path.Combine(root, Library);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateProbe() => _ = new FinalizerProbe(Export<VoidFn>("faceclip_quarantine_finalizer_thread"));

    private static T Export<T>(string name)
        where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(_handle, name));

    /// <summary>An object whose finalizer, run on the finalizer thread, names that thread to the quarantine.</summary>
    private sealed class FinalizerProbe(VoidFn mark)
    {
        ~FinalizerProbe() => mark();
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void VoidFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int IntFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nuint SizeFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate ulong UInt64Fn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate long Int64Fn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int HoldsFn(IntPtr handle);
}
