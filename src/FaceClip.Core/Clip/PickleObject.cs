namespace FaceClip.Core.Clip;

/// <summary>An instance of a TorchScript class (<c>__torch__.*</c>) read by <see cref="RestrictedUnpickler"/>: only its
/// type name and attribute values, no code.</summary>
public sealed class PickleObject(string typeName)
{
    public string TypeName { get; } = typeName;

    /// <summary>The attributes set by the pickle's BUILD (for a module: parameters, buffers, submodules, flags).</summary>
    public PickleDict Attributes { get; } = new();
}
