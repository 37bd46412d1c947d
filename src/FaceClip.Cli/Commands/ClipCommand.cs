using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceClip.Core.Clip;
using FaceClip.Core.Runtime;
using Spectre.Console;
using static TorchSharp.torch;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip clip score</c>: CLIP embeddings of a photo and sentences, and their cosine similarities.</summary>
public static class ClipCommand
{
    public static Command Build(CliContext context)
    {
        var clip = new Command("clip", "OpenAI CLIP: embeddings and similarities of images and text.");

        var model = new Option<string>("--model") { Description = "CLIP weights (.pt TorchScript or torch.save, .safetensors), or ViT-B/32 / RN50x4 from the model store.", DefaultValueFactory = _ => "ViT-B/32" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "bpe_simple_vocab_16e6.txt.gz or a Hugging Face vocab.json (merges.txt beside it); default: beside the weights, else the clip-vocab asset." };
        var image = new Option<FileInfo>("--image") { Description = "Photo to embed (resized shorter side, centre-cropped, normalised as CLIP does).", Required = true };
        var text = new Option<string[]>("--text") { Description = "A sentence to compare with the image; repeat for several.", Required = true, AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print {\"image_embedding\", \"text_embeddings\", \"cosine\"} as JSON." };
        var device = CommonOptions.Device();
        var score = new Command("score", "Embed an image and sentences with CLIP and print the cosine similarity of each sentence to the image.")
        {
            model, tokenizer, image, text, json, device,
        };
        score.SetAction(parse => Score(context, parse.GetValue(model)!, parse.GetValue(tokenizer), parse.GetValue(image)!, parse.GetValue(text)!, parse.GetValue(json), parse.GetValue(device)!));
        clip.Subcommands.Add(score);
        return clip;
    }

    private static int Score(CliContext context, string modelArg, string? tokenizerArg, FileInfo imageFile, string[] texts, bool asJson, string deviceSpec)
    {
        if (!imageFile.Exists)
        {
            throw new CliUserException($"Image not found: {imageFile.FullName}");
        }

        if (texts.Length == 0)
        {
            throw new CliUserException("Give at least one --text.");
        }

        Device target;
        try
        {
            target = TorchRuntime.Configure(new ComputeOptions { Device = deviceSpec }).Device;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new CliUserException(ex.Message);
        }

        string modelPath;
        ClipTokenizer tokenizer;
        try
        {
            modelPath = ClipAssets.ResolveModel(context.Store, modelArg);
            tokenizer = ClipTokenizer.Load(ClipAssets.ResolveTokenizer(context.Store, tokenizerArg, modelPath));
        }
        catch (FileNotFoundException ex)
        {
            throw new CliUserException(ex.Message);
        }

        ClipModel clip;
        try
        {
            clip = ClipLoader.Load(modelPath, target);
        }
        catch (InvalidDataException ex)
        {
            throw new CliUserException(ex.Message);
        }

        using (clip)
        using (no_grad())
        using (NewDisposeScope())
        {
            if (!clip.HasText)
            {
                throw new CliUserException($"{Path.GetFileName(modelPath)} holds an image encoder only; text cannot be scored with it.");
            }

            Tensor pixels;
            try
            {
                pixels = ClipPreprocess.PreparePhoto(imageFile.FullName, clip.ImageResolution).to(target);
            }
            catch (Exception ex) when (ex is SixLabors.ImageSharp.UnknownImageFormatException or SixLabors.ImageSharp.InvalidImageContentException)
            {
                throw new CliUserException($"{imageFile.FullName}: not a readable image ({ex.Message}).");
            }

            var imageEmbedding = clip.EncodeImage(pixels);
            var textEmbeddings = clip.EncodeText(tokenizer.Tokenize(texts, clip.ContextLength));
            var cosine = nn.functional.cosine_similarity(imageEmbedding.expand_as(textEmbeddings), textEmbeddings, 1);
            var imageValues = imageEmbedding[0].cpu().data<float>().ToArray();
            var textValues = Enumerable.Range(0, texts.Length).Select(i => textEmbeddings[i].cpu().data<float>().ToArray()).ToArray();
            var cosineValues = cosine.cpu().data<float>().ToArray();
            if (asJson)
            {
                context.Output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["image_embedding"] = imageValues,
                    ["text_embeddings"] = textValues,
                    ["cosine"] = cosineValues,
                }));
            }
            else
            {
                context.Console.MarkupLine($"Model: [bold]{Markup.Escape(Path.GetFileName(modelPath))}[/] ({Markup.Escape(clip.Config.ToString())})");
                var table = new Table().AddColumns("text", "cosine");
                for (var i = 0; i < texts.Length; i++)
                {
                    table.AddRow(Markup.Escape(texts[i]), cosineValues[i].ToString("F4", CultureInfo.InvariantCulture));
                }

                context.Console.Write(table);
            }
        }

        return 0;
    }
}
