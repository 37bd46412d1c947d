#:package SixLabors.ImageSharp@2.1.13
#:property ManagePackageVersionsCentrally=false
#:property TreatWarningsAsErrors=true
// Decodes images exactly as FaceClip.Core.Vision.FaceImage does (ImageSharp 2.1.13, EXIF auto-orient, RGB24) and writes
// raw interleaved RGB (<name>.rgb) plus <name>.json {width, height} so reference.mjs feeds face-api the very same pixels.
// Usage: dotnet run tools/face-api-reference/decode-rgb.cs -- OUT_DIR IMAGE...
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

var outDir = args[0];
Directory.CreateDirectory(outDir);
foreach (var path in args.Skip(1))
{
    using var image = Image.Load<Rgb24>(path);
    image.Mutate(x => x.AutoOrient());
    var rgb = new byte[image.Width * image.Height * 3];
    image.CopyPixelDataTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Rgb24>(rgb.AsSpan()));
    var name = Path.GetFileName(path);
    File.WriteAllBytes(Path.Combine(outDir, name + ".rgb"), rgb);
    File.WriteAllText(Path.Combine(outDir, name + ".json"), $"{{\"width\":{image.Width},\"height\":{image.Height}}}");
    Console.WriteLine($"{name}: {image.Width} x {image.Height}");
}
