using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>Loads a CLIP model from a file: OpenAI's released TorchScript archives (<c>RN50x4.pt</c>,
/// <c>ViT-B-32.pt</c>), <c>torch.save</c> state dicts, or safetensors (OpenAI / open_clip names).</summary>
public static class ClipLoader
{
    /// <summary>Reads the weights (no code in the file is run), builds the model whose size they describe, moves it
    /// to <paramref name="device"/> (CPU when null) and puts it in eval mode.</summary>
    public static ClipModel Load(string path, Device? device = null)
    {
        var weights = ClipCheckpoint.ReadStateDict(path);
        try
        {
            var model = ClipModel.FromStateDict(weights, Path.GetFileName(path));
            if (device is not null && device.type != DeviceType.CPU)
            {
                model.to(device);
            }

            model.eval();
            return model;
        }
        finally
        {
            foreach (var t in weights.Values)
            {
                t.Dispose();
            }
        }
    }
}
