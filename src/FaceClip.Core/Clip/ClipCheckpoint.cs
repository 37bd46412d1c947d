using FaceClip.Core.IO;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>Recognises a checkpoint file's format by its content and reads its tensors. Nothing is executed.</summary>
public static class ClipCheckpoint
{
    /// <summary>Reads every tensor of a safetensors file, a <c>torch.save</c> zip archive (a state dict, or a dict
    /// holding one under <c>state_dict</c>/<c>model</c>), or a TorchScript archive (its parameters and buffers).</summary>
    /// <exception cref="InvalidDataException">The file is none of these.</exception>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CLIP weights not found: {path}", path);
        }

        var head = new byte[16];
        int read;
        using (var f = File.OpenRead(path))
        {
            read = f.Read(head, 0, head.Length);
        }

        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
        {
            return TorchArchive.ReadStateDict(path);
        }

        if (read >= 9 && head[8] == (byte)'{')
        {
            return SafeTensors.Load(path);
        }

        if (read >= 2 && head[0] == 0x80 && head[1] <= 5)
        {
            throw new InvalidDataException(
                $"{path}: a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current PyTorch (torch.save writes zip archives) or convert it to safetensors.");
        }

        throw new InvalidDataException(
            $"{path}: not a CLIP checkpoint this program reads (expected a TorchScript or torch.save zip archive, or safetensors).");
    }
}
