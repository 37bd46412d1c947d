using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace FaceClip.Core.Runtime;

/// <summary>
/// Keeps a TorchSharp <see cref="Scalar"/> that .NET disposes alive in native memory for two seconds before it is freed.
/// TorchSharp makes a Scalar for every implicit number and for the alpha of every tensor sum (<c>a + b</c> is
/// <c>add(b, 1)</c>); the managed object is unreachable once its handle has been read, so the garbage collector can
/// finalize it, and free it, while the native operation is still reading it: a fit then fails at random with "Expected
/// false to be true" from <c>c10::Scalar::toFloat</c>, or the process crashes. The build puts
/// <c>libfaceclip_handle_quarantine.so</c> next to <c>libLibTorchSharp.so</c> (build/native/handle_quarantine.c): it
/// defines <c>THSTorch_dispose_scalar</c> with the hold and depends on the real library for every other symbol. This
/// class makes the TorchSharp assembly's P/Invokes bind through it, before any of them is bound (a module initializer).
/// Where the library is absent (not Linux, or a build without a C compiler), or with FACECLIP_SCALAR_QUARANTINE=off,
/// TorchSharp binds as it always does.
/// </summary>
public static class HandleQuarantine
{
    private const string Shim = "libfaceclip_handle_quarantine.so";
    private static IntPtr _handle;

    /// <summary>Whether TorchSharp's native calls go through the quarantine.</summary>
    public static bool Active => _handle != IntPtr.Zero;

    /// <summary>Where the library was loaded from, or null.</summary>
    public static string? LibraryPath { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolver must be in place before TorchSharp binds its first P/Invoke, whatever uses this library first.")]
    internal static void Install()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("FACECLIP_SCALAR_QUARANTINE") == "off")
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

    /// <summary>How long a disposed Scalar is held before it is freed.</summary>
    public static TimeSpan Hold => Active ? TimeSpan.FromTicks(GetExport<Int64Fn>("faceclip_quarantine_hold_ns")() / 100) : TimeSpan.Zero;

    /// <summary>Disposed Scalars held now (0 when the quarantine is not active).</summary>
    public static long Held => Active ? (long)GetExport<SizeFn>("faceclip_quarantine_held")() : 0;

    /// <summary>Scalars disposed through the quarantine since the process started (0 when it is not active).</summary>
    public static long Disposed => Active ? (long)GetExport<UInt64Fn>("faceclip_quarantine_disposed")() : 0;

    /// <summary>Held Scalars freed since the process started (0 when the quarantine is not active).</summary>
    public static long Freed => Active ? (long)GetExport<UInt64Fn>("faceclip_quarantine_freed")() : 0;

    /// <summary>Whether the native Scalar at <paramref name="scalar"/> has been disposed and is held, not yet freed.</summary>
    public static bool Holds(IntPtr scalar) => Active && GetExport<HoldsFn>("faceclip_quarantine_holds")(scalar) != 0;

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
            yield return Path.Combine(root, "runtimes", rid, "native", Shim);
            yield return Path.Combine(root, Shim);
        }
    }

    private static T GetExport<T>(string name)
        where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(_handle, name));

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nuint SizeFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate ulong UInt64Fn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate long Int64Fn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int HoldsFn(IntPtr scalar);
}
