using System.Globalization;

namespace FaceClip.Core.Geometry;

/// <summary>A small, fast reader of the OBJ subset ICT-FaceKit uses: <c>v</c>, <c>vt</c>, polygon <c>f v/vt</c> and
/// <c>usemtl</c>. Polygons are fanned into triangles (a quad a,b,c,d becomes a,b,c and a,c,d).</summary>
internal static class ObjMeshReader
{
    /// <summary>Reads only the <c>v</c> lines (x, y, z) into a flat array.</summary>
    public static float[] ReadPositions(string path)
    {
        var values = new List<float>(80_000 * 3);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length > 2 && line[0] == 'v' && line[1] == ' ')
            {
                AppendFloats(line.AsSpan(2), values, 3);
            }
        }

        return values.ToArray();
    }

    /// <summary>Reads positions, UVs and triangulated faces with the material name of each triangle.</summary>
    public static ObjMeshContents ReadMesh(string path)
    {
        var positions = new List<float>();
        var uvs = new List<float>();
        var triangles = new List<int>();
        var triangleUvs = new List<int>();
        var triangleMaterials = new List<string>();
        var material = string.Empty;
        Span<int> corners = stackalloc int[16];
        Span<int> cornerUvs = stackalloc int[16];
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("v ", StringComparison.Ordinal))
            {
                AppendFloats(line.AsSpan(2), positions, 3);
            }
            else if (line.StartsWith("vt ", StringComparison.Ordinal))
            {
                AppendFloats(line.AsSpan(3), uvs, 2);
            }
            else if (line.StartsWith("usemtl ", StringComparison.Ordinal))
            {
                material = line[7..].Trim();
            }
            else if (line.StartsWith("f ", StringComparison.Ordinal))
            {
                var n = 0;
                foreach (var range in line.AsSpan(2).Split(' '))
                {
                    var token = line.AsSpan(2)[range];
                    if (token.IsEmpty)
                    {
                        continue;
                    }

                    var slash = token.IndexOf('/');
                    var vertex = slash < 0 ? token : token[..slash];
                    var uv = -1;
                    if (slash >= 0)
                    {
                        var rest = token[(slash + 1)..];
                        var slash2 = rest.IndexOf('/');
                        var uvText = slash2 < 0 ? rest : rest[..slash2];
                        if (!uvText.IsEmpty)
                        {
                            uv = int.Parse(uvText, CultureInfo.InvariantCulture) - 1;
                        }
                    }

                    corners[n] = int.Parse(vertex, CultureInfo.InvariantCulture) - 1;
                    cornerUvs[n] = uv;
                    n++;
                }

                for (var k = 1; k + 1 < n; k++)
                {
                    triangles.Add(corners[0]);
                    triangles.Add(corners[k]);
                    triangles.Add(corners[k + 1]);
                    triangleUvs.Add(cornerUvs[0]);
                    triangleUvs.Add(cornerUvs[k]);
                    triangleUvs.Add(cornerUvs[k + 1]);
                    triangleMaterials.Add(material);
                }
            }
        }

        return new ObjMeshContents(positions.ToArray(), uvs.ToArray(), triangles.ToArray(), triangleUvs.ToArray(), triangleMaterials.ToArray());
    }

    private static void AppendFloats(ReadOnlySpan<char> text, List<float> values, int count)
    {
        var added = 0;
        foreach (var range in text.Split(' '))
        {
            var token = text[range];
            if (token.IsEmpty)
            {
                continue;
            }

            if (added == count)
            {
                break;
            }

            values.Add(float.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture));
            added++;
        }

        if (added != count)
        {
            throw new InvalidDataException($"OBJ line has {added} numbers, expected {count}: '{text.ToString()}'.");
        }
    }
}
