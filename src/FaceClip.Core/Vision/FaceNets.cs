using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>Shared helpers for the face-api networks.</summary>
internal static class FaceNets
{
    /// <summary>The device of a module's first parameter.</summary>
    public static Device DeviceOf(nn.Module module) => module.parameters().First().device;

    /// <summary>A frozen Linear layer from a TF [in, out] matrix and an optional bias.</summary>
    public static Linear Linear(TfjsWeightMap w, string weights, string? bias)
    {
        var m = w.Tensor(weights);
        var linear = nn.Linear(m.shape[0], m.shape[1], hasBias: bias is not null);
        using var _ = torch.no_grad();
        linear.weight!.copy_(m.t());
        linear.weight.requires_grad = false;
        if (bias is not null)
        {
            linear.bias!.copy_(w.Tensor(bias));
            linear.bias.requires_grad = false;
        }

        return linear;
    }

    /// <summary>[0, 1] images (B x 3 x H x W) to [0, 255] pixels at size x size (differentiable bilinear resize when needed).</summary>
    public static Tensor ToPixels(Tensor images, int size)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
        {
            throw new ArgumentException($"Expected a B x 3 x H x W image tensor, got [{string.Join(", ", images.shape)}].", nameof(images));
        }

        if (images.shape[2] != size || images.shape[3] != size)
        {
            images = nn.functional.interpolate(images, new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false);
        }

        return images * 255;
    }
}
