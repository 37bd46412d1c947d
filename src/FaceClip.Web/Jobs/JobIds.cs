using System.Security.Cryptography;

namespace FaceClip.Web.Jobs;

/// <summary>Unguessable job ids: 128 random bits as 26 lowercase base32 characters.</summary>
public static class JobIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[26];
        var buffer = 0;
        var bits = 0;
        var n = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }

        chars[n] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars);
    }

    /// <summary>True for strings shaped like an id (so no request text ever reaches a path unchecked).</summary>
    public static bool IsWellFormed(string? id) => id is { Length: 26 } && id.All(c => Alphabet.Contains(c));
}
