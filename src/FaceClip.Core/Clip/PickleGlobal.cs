namespace FaceClip.Core.Clip;

/// <summary>A global (<c>module.name</c>) that <see cref="RestrictedUnpickler"/> accepted: a name only, never code.</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}
