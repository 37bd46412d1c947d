using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace FaceClip.Core.Runtime;

/// <summary>Computes the content hash of a model file according to its <see cref="FileCheck"/>.</summary>
public static class FileVerifier
{
    public static string ComputeSha256(string path, FileCheck check) => check switch
    {
        FileCheck.Bytes => HashBytes(path),
        FileCheck.ObjVertices => HashObj(path, includeTopology: false),
        FileCheck.ObjMesh => HashObj(path, includeTopology: true),
        _ => throw new ArgumentOutOfRangeException(nameof(check), check, null),
    };

    private static string HashBytes(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Hashes an OBJ by its parsed content so that files that differ only in layout (line endings, number
    /// formatting, stripped lines other than those hashed) verify alike.</summary>
    private static string HashObj(string path, bool includeTopology)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var positions = new MemoryStream();
        using var uvs = new MemoryStream();
        using var faces = new MemoryStream();
        Span<byte> buffer = stackalloc byte[4];
        foreach (var line in File.ReadLines(path))
        {
            var span = line.AsSpan().Trim();
            if (span.StartsWith("v "))
            {
                WriteFloats(positions, span[2..], 3, buffer);
            }
            else if (includeTopology && span.StartsWith("vt "))
            {
                WriteFloats(uvs, span[3..], 2, buffer);
            }
            else if (includeTopology && span.StartsWith("f "))
            {
                foreach (var range in span[2..].Split(' '))
                {
                    var corner = span[2..][range];
                    if (corner.IsEmpty)
                    {
                        continue;
                    }

                    foreach (var part in corner.ToString().Split('/'))
                    {
                        BinaryPrimitives.WriteInt32LittleEndian(buffer, part.Length == 0 ? 0 : int.Parse(part, CultureInfo.InvariantCulture));
                        faces.Write(buffer);
                    }
                }

                BinaryPrimitives.WriteInt32LittleEndian(buffer, -1);
                faces.Write(buffer);
            }
        }

        hash.AppendData(positions.GetBuffer(), 0, (int)positions.Length);
        hash.AppendData(uvs.GetBuffer(), 0, (int)uvs.Length);
        hash.AppendData(faces.GetBuffer(), 0, (int)faces.Length);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void WriteFloats(Stream target, ReadOnlySpan<char> text, int count, Span<byte> buffer)
    {
        var written = 0;
        foreach (var range in text.Split(' '))
        {
            var token = text[range];
            if (token.IsEmpty)
            {
                continue;
            }

            if (written == count)
            {
                break;
            }

            BinaryPrimitives.WriteSingleLittleEndian(buffer, float.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture));
            target.Write(buffer);
            written++;
        }

        if (written != count)
        {
            throw new InvalidDataException($"Expected {count} numbers in an OBJ line, found {written}.");
        }
    }
}
