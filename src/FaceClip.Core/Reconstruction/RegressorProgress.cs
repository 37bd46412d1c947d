namespace FaceClip.Core.Reconstruction;

/// <summary>One training batch done: its weighted loss terms (and total) and the learning rate it used.</summary>
public sealed record RegressorProgress(int Batch, int Batches, double LearningRate, IReadOnlyDictionary<string, double> Losses, TimeSpan Elapsed);
