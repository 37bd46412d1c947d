namespace FaceClip.Core.Clip;

/// <summary>A Python tuple read by <see cref="RestrictedUnpickler"/>.</summary>
public sealed class PickleTuple(IReadOnlyList<object?> items)
{
    public IReadOnlyList<object?> Items { get; } = items;

    public int Count => Items.Count;

    public object? this[int index] => Items[index];
}
