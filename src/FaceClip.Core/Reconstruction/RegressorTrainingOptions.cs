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

    /// <summary>Supervised batches on a synthetic corpus (<see cref="SyntheticTrainingSet"/>), before any
    /// self-supervised ones.</summary>
    public int SyntheticBatches { get; set; } = 3000;

    public int SyntheticBatchSize { get; set; } = 64;

    /// <summary>Adam's learning rate on the synthetic corpus, multiplied by <see cref="SyntheticDecay"/> every
    /// <see cref="SyntheticDecayEvery"/> batches.</summary>
    public double SyntheticLearningRate { get; set; } = 1e-3;

    public int SyntheticDecayEvery { get; set; } = 1000;

    public double SyntheticDecay { get; set; } = 0.3;

    /// <summary>Write the supervised phase's checkpoint every this many batches (0: at the end only); with
    /// <see cref="Resume"/> that phase continues from it.</summary>
    public int SyntheticCheckpointEvery { get; set; } = 500;

    /// <summary>Share of the synthetic corpus held out of training and reported on.</summary>
    public double SyntheticHeldOut { get; set; } = 0.1;

    /// <summary>In the self-supervised batches that follow, the weight of a synthetic batch's supervised loss added to
    /// each real batch's (the two mixed; 0: real photos only).</summary>
    public double SyntheticWeight { get; set; } = 1;

    public void Validate()
    {
        if (SyntheticBatches < 0 || SyntheticBatchSize < 1 || SyntheticLearningRate <= 0 || SyntheticDecayEvery < 1 || SyntheticDecay is <= 0 or > 1
            || SyntheticHeldOut is < 0 or >= 1 || SyntheticWeight < 0 || SyntheticCheckpointEvery < 0)
        {
            throw new ArgumentException("Synthetic batches must be 0 or more, their size, learning rate and decay interval positive, decay in (0, 1], the held-out share in [0, 1), the mix weight and checkpoint interval 0 or more.");
        }

        if (Batches < 1 || BatchSize < 1 || LearningRate <= 0 || DecayEvery < 1 || Decay is <= 0 or > 1 || CropSize is < 64 or > 1024 || CheckpointEvery < 0)
        {
            throw new ArgumentException("Batches, batch size, learning rate and decay interval must be positive, decay in (0, 1], crop size 64..1024.");
        }

        Network.Validate();
        Losses.Validate();
    }
}
