using System.Buffers.Binary;

namespace FaceClip.Web.Jobs;

/// <summary>Checks that an image file is whole before it is decoded: a JPEG's segments and entropy-coded data run to
/// its end-of-image marker, a PNG's chunks (each with a correct CRC) run to IEND, a WebP's RIFF size fits the file.
/// Decoders are lenient (a truncated JPEG decodes with grey below the cut); these checks are not.</summary>
public static class ImageStructure
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Null when the file is whole, else what is wrong with it.</summary>
    public static string? Problem(ReadOnlySpan<byte> file, string format) => format switch
    {
        "JPEG" => Jpeg(file),
        "PNG" => Png(file),
        "WEBP" => WebP(file),
        _ => null,
    };

    private static string? Jpeg(ReadOnlySpan<byte> b)
    {
        const string truncated = "the JPEG is truncated (it ends before its end-of-image marker)";
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8)
        {
            return "the file does not start like a JPEG";
        }

        var pos = 2;
        while (true)
        {
            if (pos >= b.Length)
            {
                return truncated;
            }

            if (b[pos] != 0xFF)
            {
                return $"the JPEG is corrupt (no marker at byte {pos})";
            }

            while (pos < b.Length && b[pos] == 0xFF)
            {
                pos++; // fill bytes
            }

            if (pos >= b.Length)
            {
                return truncated;
            }

            var marker = b[pos++];
            if (marker == 0xD9)
            {
                return null; // end of image; anything after it (some cameras append data) is not image data
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                continue; // markers without a length
            }

            if (pos + 2 > b.Length)
            {
                return truncated;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(b[pos..]);
            if (length < 2)
            {
                return "the JPEG is corrupt (a segment with a bad length)";
            }

            if (pos + length > b.Length)
            {
                return truncated;
            }

            pos += length;
            if (marker != 0xDA)
            {
                continue;
            }

            // Entropy-coded data after a start-of-scan: runs to the next marker that is not a stuffed zero or a restart.
            while (true)
            {
                var next = b[pos..].IndexOf((byte)0xFF);
                if (next < 0 || pos + next + 1 >= b.Length)
                {
                    return truncated;
                }

                pos += next;
                var after = b[pos + 1];
                if (after == 0x00 || after is >= 0xD0 and <= 0xD7 || after == 0xFF)
                {
                    pos += after == 0xFF ? 1 : 2;
                    continue;
                }

                break;
            }
        }
    }

    private static string? Png(ReadOnlySpan<byte> b)
    {
        const string truncated = "the PNG is truncated (it ends before its IEND chunk)";
        var pos = 8;
        if (b.Length < pos)
        {
            return truncated;
        }

        while (true)
        {
            if (pos + 8 > b.Length)
            {
                return truncated;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(b[pos..]);
            if (length > int.MaxValue || pos + 12L + length > b.Length)
            {
                return truncated;
            }

            var typeAndData = b.Slice(pos + 4, 4 + (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(b[(pos + 8 + (int)length)..]);
            if (Crc32(typeAndData) != crc)
            {
                return $"the PNG is corrupt (chunk {System.Text.Encoding.ASCII.GetString(typeAndData[..4])} fails its CRC)";
            }

            if (typeAndData[..4].SequenceEqual("IEND"u8))
            {
                return null;
            }

            pos += 12 + (int)length;
        }
    }

    private static string? WebP(ReadOnlySpan<byte> b)
    {
        if (b.Length < 12 || !b[..4].SequenceEqual("RIFF"u8))
        {
            return "the file does not start like a WebP";
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        return size + 8L > b.Length ? "the WebP is truncated (shorter than its RIFF header says)" : null;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var x in bytes)
        {
            crc = CrcTable[(crc ^ x) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
