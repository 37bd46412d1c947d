using System.CommandLine;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench ...</c>: measurements that print figures (medians of several runs).</summary>
public static class BenchCommand
{
    public static Command Build(CliContext context)
    {
        var bench = new Command("bench", "Benchmarks that print figures: medians of several runs on this machine.");
        bench.Subcommands.Add(RenderBenchCommand.Build(context));
        bench.Subcommands.Add(ReconstructBenchCommand.Build(context));
        bench.Subcommands.Add(SyntheticBenchCommand.Build(context));
        bench.Subcommands.Add(DetailBenchCommand.Build(context));
        bench.Subcommands.Add(ClipBenchCommand.Build(context));
        bench.Subcommands.Add(FacesBenchCommand.Build(context));
        bench.Subcommands.Add(TransferBenchCommand.Build(context));
        bench.Subcommands.Add(RegressorBenchCommand.Build(context));
        bench.Subcommands.Add(LandmarksBenchCommand.Build(context));
        bench.Subcommands.Add(DenseBenchCommand.Build(context));
        bench.Subcommands.Add(FitExpressionBenchCommand.Build(context));
        return bench;
    }
}
