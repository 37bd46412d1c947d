namespace FaceClip.Core.Expression;

/// <summary>One subject visited while a mapper is trained across subjects (<see cref="ExpressionTransfer.TrainMapper"/>):
/// the epoch, the visit out of all, which subject, and the critic's loss at the visit's first and last step.</summary>
public sealed record MapperTrainingProgress(int Epoch, int Epochs, int Visit, int Visits, int Subject, double FirstCriticLoss, double LastCriticLoss);
