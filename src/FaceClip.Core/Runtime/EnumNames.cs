namespace FaceClip.Core.Runtime;

/// <summary>
/// The stable lower-case names of an enum's values, as users type them and files and messages carry them
/// (<c>upper-face</c>, <c>mapper-training</c>): one table per enum, read both ways, any case on the way in.
/// </summary>
public sealed class EnumNames<TEnum>
    where TEnum : struct, Enum
{
    private readonly Dictionary<TEnum, string> _names;
    private readonly Dictionary<string, TEnum> _values;
    private readonly string _what;

    /// <param name="what">What the values are, for error messages (<c>critic</c>, <c>initialiser</c>).</param>
    /// <param name="names">Every value's name.</param>
    public EnumNames(string what, IReadOnlyDictionary<TEnum, string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var missing = Enum.GetValues<TEnum>().Where(v => !names.ContainsKey(v)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"No name for {string.Join(", ", missing)}.", nameof(names));
        }

        _what = what;
        _names = new Dictionary<TEnum, string>(names);
        _values = names.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.OrdinalIgnoreCase);
        All = Enum.GetValues<TEnum>().Select(v => _names[v]).ToArray();
    }

    /// <summary>Every name, in the enum's order.</summary>
    public IReadOnlyList<string> All { get; }

    public string Name(TEnum value) => _names.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, null);

    public bool TryParse(string? name, out TEnum value) => _values.TryGetValue(name?.Trim() ?? string.Empty, out value);

    /// <summary>The value of a name (any case); an <see cref="ArgumentException"/> that lists the names otherwise.</summary>
    public TEnum Parse(string? name) => TryParse(name, out var value)
        ? value
        : throw new ArgumentException($"Unknown {_what} '{name}': use {string.Join(", ", All.SkipLast(1))} or {All[^1]}.", nameof(name));
}
