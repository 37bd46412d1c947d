using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.Core.Runtime;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceClip.WebBench;

/// <summary>
/// <c>memory [jobs=20]</c>: the server's resident memory over jobs in a row. The app runs in this process on a loopback
/// port with a short fit; a sample photo scaled up to just under the pixel limit (about 39.6 megapixels) is submitted
/// N times, one job after the other, and the process's RSS is printed after the first job and after the last (the
/// issue asks that they stay within 1.5 GB). Then six 6000x6600 black PNGs are submitted at once (each about 120 MB
/// to decode) and the peak and the settled RSS are printed.
/// </summary>
internal static class MemoryBench
{
    public static async Task RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0]) : 20;
        var root = ProductPaths.FindRoot();
        var data = Directory.CreateTempSubdirectory("faceclip-memorybench-").FullName;
        using var factory = BenchApp.Start(data, new Dictionary<string, string>
        {
            ["Jobs:SubmissionsPerOwner"] = "1000",
            ["Jobs:SubmissionsPerAddress"] = "1000",
            ["Jobs:QueueCapacity"] = "16",
            ["Reconstruction:PoseIterations"] = "20",
            ["Reconstruction:ShapeIterations"] = "15",
            ["Reconstruction:Iterations"] = "5",
            ["Reconstruction:PreviewEvery"] = "5",
            ["Reconstruction:TextureSize"] = "128",
        });
        using var http = new HttpClient(new HttpClientHandler()) { BaseAddress = factory.ClientOptions.BaseAddress, Timeout = TimeSpan.FromMinutes(30) };
        await http.GetByteArrayAsync("/api/model/topology");

        var big = BigFace(Path.Combine(root, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg"));
        Console.WriteLine($"photo: {big.Width}x{big.Height} ({big.Width * (long)big.Height:N0} pixels), {big.Bytes.Length:N0} bytes JPEG");
        Console.WriteLine($"RSS after start and model load: {Rss() / 1e6:F0} MB");
        long first = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= jobs; i++)
        {
            var status = await RunAsync(http, big.Bytes, "big.jpg");
            if (i == 1)
            {
                first = Rss();
                Console.WriteLine($"RSS after job 1 ({status}): {first / 1e6:F0} MB; {Managed()}");
            }
            else
            {
                Console.WriteLine($"RSS after job {i} ({status}): {Rss() / 1e6:F0} MB; {Managed()}");
            }
        }

        var last = Rss();
        Console.WriteLine($"{jobs} jobs in {clock.Elapsed.TotalSeconds:F0} s; RSS after job {jobs} - after job 1: {(last - first) / 1e6:F0} MB");

        var black = BlackPng(6000, 6600);
        var before = Rss();
        var submitted = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => SubmitAsync(http, black, "black.png")));
        foreach (var id in submitted.Where(id => id is not null))
        {
            await WaitAsync(http, id!);
        }

        Console.WriteLine($"six {black.Length / 1000:N0} kB black 6000x6600 PNGs at once: RSS {before / 1e6:F0} MB before, peak {Peak() / 1e6:F0} MB (process lifetime), {Rss() / 1e6:F0} MB after");
        Directory.Delete(data, recursive: true);
    }

    private static async Task<string> RunAsync(HttpClient http, byte[] photo, string name)
    {
        var id = await SubmitAsync(http, photo, name) ?? throw new InvalidOperationException("The job was refused.");
        return await WaitAsync(http, id);
    }

    private static async Task<string?> SubmitAsync(HttpClient http, byte[] photo, string name)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(photo), "image", name }, { new StringContent("0"), "face" } };
        var response = await http.PostAsync("/api/jobs", form);
        if (!response.IsSuccessStatusCode)
        {
            Console.WriteLine($"  refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return null;
        }

        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
    }

    private static async Task<string> WaitAsync(HttpClient http, string id)
    {
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
            var status = job.GetProperty("status").GetString()!;
            if (status is "Completed" or "Failed" or "Cancelled" or "Interrupted")
            {
                // The worker records the end, then releases the job's memory: give it a moment before reading the RSS.
                await Task.Delay(2000);
                return status;
            }

            await Task.Delay(250);
        }
    }

    private static (byte[] Bytes, int Width, int Height) BigFace(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var scale = Math.Sqrt(39_600_000.0 / (image.Width * (double)image.Height));
        image.Mutate(x => x.Resize((int)(image.Width * scale), (int)(image.Height * scale)));
        using var output = new MemoryStream();
        image.SaveAsJpeg(output, new JpegEncoder { Quality = 85 });
        return (output.ToArray(), image.Width, image.Height);
    }

    private static byte[] BlackPng(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height);
        using var output = new MemoryStream();
        image.SaveAsPng(output, new PngEncoder { CompressionLevel = PngCompressionLevel.BestCompression });
        return output.ToArray();
    }

    private static long Rss() => Status("VmRSS:");

    /// <summary>Managed heap after a full collection, to tell the runtime's share of the RSS from native memory.</summary>
    private static string Managed() => $"managed heap {GC.GetTotalMemory(forceFullCollection: true) / 1e6:F0} MB";

    private static long Peak() => Status("VmHWM:");

    private static long Status(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim().Split(' ')[0]) * 1024;
}
