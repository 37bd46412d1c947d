using System.Runtime.CompilerServices;

namespace FaceClip.TestSupport;

/// <summary>Puts FaceClip.Core's <see cref="Core.Runtime.HandleQuarantine"/> in place when a test assembly loads, before
/// any test can call TorchSharp directly (the product's entry points reach Core first).</summary>
internal static class NativeSetup
{
    [ModuleInitializer]
    internal static void Install() => _ = Core.Runtime.HandleQuarantine.Active;
}
