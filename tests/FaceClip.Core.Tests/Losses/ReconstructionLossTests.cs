using FaceClip.Core.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Losses;

public sealed class ReconstructionLossTests
{
    [Fact]
    public void LandmarkLossWeighsNoseAndInnerMouthTwentyTimes()
    {
        var target = zeros(1, 68, 2);
        var off = zeros(1, 68, 2);
        off[0, 0, 0] = 2; // jaw point, weight 1: 4
        off[0, 30, 1] = 1; // nose, weight 20: 20
        var loss = LandmarkLoss.Compute(off, target, tensor(LandmarkLoss.DefaultWeights())).item<float>();
        Assert.Equal((4f + 20f) / 68f, loss, 5);
    }

    [Fact]
    public void TheDenseTermIsACauchyLikelihoodZeroAtTheTargetQuadraticNearItAndLogarithmicFarAway()
    {
        var target = zeros(2, 3, 2);
        var sigma = full(3, 2f);
        var weights = tensor(new[] { 1f, 1f, 0f });
        Assert.Equal(0f, DenseLandmarkLoss.Compute(target.clone(), target, weights, sigma).item<float>(), 6);

        var off = zeros(2, 3, 2);
        off[.., 0, 0] = 2; // r = σ: log 2
        off[.., 2, 1] = 100; // weight 0: left out
        Assert.Equal(Math.Log(2), DenseLandmarkLoss.Compute(off, target, weights, sigma).item<float>(), 5);

        // Near the target like r²/σ²; a point 50 σ off costs log(2501) ≈ 7.8, not 2500: one bad point cannot drag the fit.
        off[.., 0, 0] = 0.02f;
        Assert.Equal(0.0001, DenseLandmarkLoss.Compute(off, target, weights, sigma).item<float>(), 6);
        off[.., 0, 0] = 100;
        Assert.Equal(Math.Log(2501), DenseLandmarkLoss.Compute(off, target, weights, sigma).item<float>(), 4);
    }

    [Fact]
    public void PhotometricLossAveragesColourDistanceOverTheWeightedMask()
    {
        var photo = zeros(1, 3, 2, 2);
        var render = zeros(1, 3, 2, 2);
        render[0, 0, 0, 0] = 0.3f;
        render[0, 1, 0, 0] = 0.4f; // distance 0.5 at (0,0)
        render[0, 2, 1, 1] = 1f; // distance 1 at (1,1), masked out below
        var mask = ones(1, 1, 2, 2);
        mask[0, 0, 1, 1] = 0;
        var loss = PhotometricLoss.Compute(photo, render, mask, eps: 0).item<float>();
        Assert.Equal(0.5f / 3f, loss, 5);
    }

    [Fact]
    public void RobustWeightsSilenceOutliersButKeepTypicalPixels()
    {
        var photo = full(1, 3, 10, 10, 0.5f);
        var render = photo + 0.02f;
        render[0, .., 0, 0] = 1f; // an occluder: far off
        var weights = PhotometricLoss.RobustWeights(photo, render, ones(1, 1, 10, 10));
        Assert.Equal(1f, weights[0, 0, 5, 5].item<float>(), 5);
        Assert.True(weights[0, 0, 0, 0].item<float>() < 0.05f);
    }

    [Fact]
    public void SkinProbabilityFollowsThePhotosOwnSkinColour()
    {
        // Left half a dark skin tone, right half green; the face mask covers mostly the skin.
        var photo = zeros(1, 3, 16, 16);
        photo[0, 0, .., ..8] = 0.45f;
        photo[0, 1, .., ..8] = 0.30f;
        photo[0, 2, .., ..8] = 0.22f;
        photo[0, 1, .., 8..] = 0.8f;
        var mask = zeros(1, 1, 16, 16);
        mask[0, 0, .., ..10] = 1;
        var p = FaceClip.Core.Reconstruction.Reconstructor.SkinProbability(photo, mask);
        Assert.True(p[0, 0, 3, 1].item<float>() > 0.9f);
        Assert.True(p[0, 0, 3, 12].item<float>() < 0.05f);
    }

    [Fact]
    public void RegularisationIsZeroAtTheMeanAndGrowsWithTheCodes()
    {
        Assert.Equal(0f, CodeRegularization.Codes(zeros(1, 80), zeros(1, 53), zeros(1, 80)).item<float>());
        var loss = CodeRegularization.Codes(ones(1, 80), zeros(1, 53), zeros(1, 80)).item<float>();
        Assert.Equal(80f, loss, 3);
        var white = CodeRegularization.MonochromeLighting(cat([ones(1, 9), ones(1, 9), ones(1, 9)], 1)).item<float>();
        var tinted = CodeRegularization.MonochromeLighting(cat([ones(1, 9), zeros(1, 9), zeros(1, 9)], 1)).item<float>();
        Assert.Equal(0f, white);
        Assert.True(tinted > 0.1f);
    }

    [Fact]
    public void ThePriorIsTwiceTheNegativeLogPriorOfGaussianIdentityAndExponentialExpression()
    {
        Assert.Equal(0f, CodeRegularization.Prior(zeros(1, 80), zeros(1, 53), zeros(1, 80), 0.25).item<float>());
        Assert.Equal(80f, CodeRegularization.Prior(ones(1, 80), zeros(1, 53), zeros(1, 80), 0.25).item<float>(), 3);
        var expression = zeros(1, 53);
        expression[0, 3] = 0.5f;
        expression[0, 7] = 0.5f;
        // (2 / b) Σβ: linear in the weights (sparse), not quadratic.
        Assert.Equal(8f, CodeRegularization.Prior(zeros(1, 80), expression, zeros(1, 80), 0.25).item<float>(), 4);
        Assert.Equal(16f, CodeRegularization.Prior(zeros(1, 80), expression * 2, zeros(1, 80), 0.25).item<float>(), 4);
        Assert.Equal(4f, CodeRegularization.Prior(zeros(1, 80), expression, zeros(1, 80), 0.5).item<float>(), 4);
    }

    [Fact]
    public void TheLandmarkWeightsAreTheInverseVariancesOfTheNoiseModel()
    {
        var w = LandmarkLoss.NoiseWeights();
        Assert.Equal(68, w.Length);
        Assert.Equal(0.25f, w[0], 5);   // jaw line: twice the noise
        Assert.Equal(0.25f, w[16], 5);
        Assert.Equal(1 / 2.25f, w[19], 5); // brows
        Assert.Equal(0.64f, w[28], 5);   // nose ridge
        Assert.Equal(1f, w[33], 5);      // nose base
        Assert.Equal(1f, w[36], 5);      // eyes
        Assert.Equal(1f, w[62], 5);      // lips
    }

    [Fact]
    public void TheLandmarkWeightFollowsFromTheNoiseUnlessSetExplicitly()
    {
        var o = new FaceClip.Core.Reconstruction.ReconstructionOptions { RegularizationWeight = 1e-4 };
        Assert.Equal(3, o.LandmarkNoise);
        Assert.Equal(68 * 1e-4 / 9, o.EffectiveLandmarkWeight, 10);
        o.LandmarkNoise = 6;
        Assert.Equal(68 * 1e-4 / 36, o.EffectiveLandmarkWeight, 10);
        o.CropSize = 448; // the same noise relative to the face: twice the pixels
        Assert.Equal(68 * 1e-4 / 144, o.EffectiveLandmarkWeight, 10);
        o.RegularizationWeight = 1e-3; // the prior and the landmarks keep their ratio
        Assert.Equal(68 * 1e-3 / 144, o.EffectiveLandmarkWeight, 10);
        o.LandmarkWeight = 0.005;
        Assert.Equal(0.005, o.EffectiveLandmarkWeight);
        o.LandmarkNoise = 0;
        Assert.Throws<ArgumentException>(o.Validate);
    }

    [Fact]
    public void FaceCriticIsZeroForTheTargetAndGrowsAwayFromIt()
    {
        using var critic = new FaceFeatureCritic();
        using var generator = new Generator(1);
        var descriptor = randn(1, 128, generator: generator);
        var features = Enumerable.Range(0, 5).Select(i => randn(1, 8, 4, 4, generator: generator)).ToList();
        critic.SetTarget(zeros(1, 3, 8, 8), new RecognitionFeatures(descriptor, features));
        var same = critic.Loss(zeros(1, 3, 8, 8), new RecognitionFeatures(descriptor, features)).item<float>();
        var other = critic.Loss(zeros(1, 3, 8, 8), new RecognitionFeatures(randn(1, 128, generator: generator), features.Select(f => f + randn(f.shape, generator: generator)).ToList())).item<float>();
        Assert.Equal(0f, same, 5);
        Assert.True(other > 0.5f);
    }
}
