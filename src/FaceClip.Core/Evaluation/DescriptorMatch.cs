namespace FaceClip.Core.Evaluation;

/// <summary>The identity criterion on face-api descriptors (<see cref="Vision.FaceRecognitionNet"/>): two faces are
/// taken for the same person when their descriptors are closer than <see cref="SamePersonDistance"/>.</summary>
public static class DescriptorMatch
{
    /// <summary>face-api's same-person threshold on the Euclidean distance of two 128-d descriptors.</summary>
    public const double SamePersonDistance = 0.6;

    /// <summary>Whether a descriptor distance says "same person" (strictly below <see cref="SamePersonDistance"/>).</summary>
    public static bool IsSamePerson(double descriptorDistance) => descriptorDistance < SamePersonDistance;
}
