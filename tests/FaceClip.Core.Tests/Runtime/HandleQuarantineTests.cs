using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using FaceClip.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Runtime;

/// <summary>TorchSharp's native calls bind through the handle quarantine, so a Scalar or tensor the finalizer disposes
/// stays readable while an operation may still use it, and one the code disposes is freed at once.</summary>
public sealed class HandleQuarantineTests
{
    private static IntPtr NativeHandle(Scalar scalar) =>
        (IntPtr)typeof(Scalar).GetField("handle", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(scalar)!;

    /// <summary>Makes a Scalar and a tensor and drops them (never disposed): their native handles.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (IntPtr Scalar, IntPtr Tensor) Abandon()
    {
        var scalar = 0.75.ToScalar();
        var tensor = ones(3);
        return (NativeHandle(scalar), tensor.Handle);
    }

    private static bool Ready()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        using (var warm = ones(2) + ones(2)) // binds TorchSharp's native library
        {
            Assert.Equal(2f, warm[0].item<float>());
        }

        Assert.True(HandleQuarantine.Active, "libfaceclip_handle_quarantine.so was not loaded: is it built next to libLibTorchSharp.so?");
        HandleQuarantine.LearnFinalizerThread();
        Assert.True(HandleQuarantine.KnowsFinalizerThread);
        return true;
    }

    [Fact]
    public void OnLinuxTorchSharpBindsThroughTheQuarantine()
    {
        if (!Ready())
        {
            return;
        }

        Assert.EndsWith("libfaceclip_handle_quarantine.so", HandleQuarantine.LibraryPath, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), HandleQuarantine.Hold);
    }

    [Fact]
    public void WhatTheFinalizerDisposesIsHeldAndWhatTheCodeDisposesIsFreedAtOnce()
    {
        if (!Ready())
        {
            return;
        }

        var explicitScalar = 0.25.ToScalar();
        var explicitHandle = NativeHandle(explicitScalar);
        explicitScalar.Dispose();
        Assert.False(HandleQuarantine.Holds(explicitHandle), "a Scalar the code disposed was held (memory kept for nothing)");

        var clock = Stopwatch.StartNew();
        var (scalar, tensor) = Abandon();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var held = (HandleQuarantine.Holds(scalar), HandleQuarantine.Holds(tensor));
        // Held, not freed: an operation that still reads them reads them (unless the hold ran out first).
        Assert.True(held == (true, true) || clock.Elapsed >= HandleQuarantine.Hold, $"finalized handles freed at once: {held}");
    }

    [Fact]
    public void HeldHandlesAreFreedOnceTheHoldHasPassed()
    {
        if (!Ready())
        {
            return;
        }

        Abandon();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var freed = HandleQuarantine.Freed;
        Thread.Sleep(HandleQuarantine.Hold + TimeSpan.FromMilliseconds(200));
        // What was finalized above has been held past its hold, so the next dispose frees it (or some other thread's
        // dispose already has, with any older ones).
        1.0.ToScalar().Dispose();
        Assert.True(HandleQuarantine.Freed > freed, "no handle held past its hold was freed");
    }

    [Fact]
    public void SumsAndScaledTensorsSurviveTheGarbageCollectorRunningBesideThem()
    {
        // Three threads add, scale and clamp small tensors (each op makes a Scalar) and copy from temporary tensors left to
        // the finalizer, while a fourth collects garbage and
        // runs the finalizers. Without the quarantine this fails within seconds ("Expected false to be true" from
        // c10::Scalar::toFloat, 3 of 3 runs of 20 s on the development machine); with it, none in 3 runs of 20 s.
        var stop = DateTime.UtcNow.AddSeconds(4);
        string? failure = null;
        long ops = 0;
        var workers = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            try
            {
                using var generator = new Generator(7);
                using var a = rand(64, 64, generator: generator);
                using var b = rand(64, 64, generator: generator);
                using var target = zeros(64, 64);
                while (DateTime.UtcNow < stop && failure is null)
                {
                    using (no_grad())
                    {
                        target.copy_(a.flip(0)); // a temporary tensor outside any dispose scope, left to the finalizer
                    }

                    using var scope = NewDisposeScope();
                    for (var i = 0; i < 100; i++)
                    {
                        var c = (((a + b) * 0.5) - a).clamp(0, 1).pow(2) + 1.0;
                        Assert.True(c.shape[0] == 64);
                    }

                    Interlocked.Add(ref ops, 600);
                }
            }
            catch (Exception e)
            {
                failure ??= e.Message.Split('\n')[0];
            }
        })).ToList();
        var collector = new Thread(() =>
        {
            while (DateTime.UtcNow < stop && failure is null)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        workers.ForEach(t => t.Start());
        collector.Start();
        workers.ForEach(t => t.Join());
        collector.Join();
        Assert.True(failure is null, $"an operation read a freed Scalar after {ops} operations: {failure}");
        Assert.True(ops > 0);
    }
}
