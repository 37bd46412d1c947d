using TorchSharp;

namespace FaceClip.Core.Runtime;

/// <summary>The device chosen for this process and what to say about it.</summary>
public sealed record ComputeContext(torch.Device Device, int Threads, string Description);
