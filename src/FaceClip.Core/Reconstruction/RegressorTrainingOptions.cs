namespace FaceClip.Core.Reconstruction;

/// <summary>How the regressor is trained. Defaults are the paper's: Adam, learning rate 2e-4 multiplied by 0.75
/// every 25 batches, batches of 16, 200 batches.</summary>
public sealed class RegressorTrainingOptions
{
    public int Batches { get; set; } = 200;

    public int BatchSize { get; set; } = 16;

    public double LearningRate { get; set; } = 2e-4;

    /// <summary>The learning rate is multiplied by <see cref="Decay"/> every this many batches.</summary>
    public int DecayEvery { get; set; } = 25;

    public double Decay { get; set; } = 0.75;

    /// <summary>Side of the crops the losses are computed on (the paper's 224; smaller is faster on a CPU).</summary>
    public int CropSize { get; set; } = 224;

    /// <summary>Write a checkpoint (weights and the batch reached) every this many batches (0: only at the end).</summary>
    public int CheckpointEvery { get; set; } = 25;

    /// <summary>Continue from the checkpoint beside the output when there is one.</summary>
    public bool Resume { get; set; }

    public int Seed { get; set; } = 1;

    public FaceAugmentation Augmentation { get; set; } = new();

    /// <summary>The architecture (its <see cref="RegressorConfig.RefinementBranches"/> is the ablation switch).</summary>
    public RegressorConfig Network { get; set; } = new();

    /// <summary>Loss weights (and crop framing): the fitter's.</summary>
    public ReconstructionOptions Losses { get; set; } = new();

    public void Validate()
    {
        if (Batches < 1 || BatchSize < 1 || LearningRate <= 0 || DecayEvery < 1 || Decay is <= 0 or > 1 || CropSize is < 64 or > 1024 || CheckpointEvery < 0)
        {
            throw new ArgumentException("Batches, batch size, learning rate and decay interval must be positive, decay in (0, 1], crop size 64..1024.");
        }

        Network.Validate();
        Losses.Validate();
    }
}
