namespace FaceClip.Core.Tests.Vision;

/// <summary>Test classes in this collection share one loaded pipeline and one analysis of the sample photos.</summary>
[CollectionDefinition(Name)]
public sealed class FacePipelineCollection : ICollectionFixture<FacePipelineFixture>
{
    public const string Name = "face-pipeline";
}
