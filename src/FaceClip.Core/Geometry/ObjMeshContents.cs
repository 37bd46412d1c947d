namespace FaceClip.Core.Geometry;

/// <summary>What <see cref="ObjMeshReader"/> read: flat arrays (xyz, uv, three indices per triangle).</summary>
internal sealed record ObjMeshContents(float[] Positions, float[] Uvs, int[] Triangles, int[] TriangleUvs, string[] TriangleMaterials);
