namespace FaceClip.Web.Jobs;

/// <summary>A job's state: sent first to every subscriber and again on each status change.</summary>
public sealed class JobStateMessage
{
    public string JobId { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Stage { get; set; }
    public string? Error { get; set; }
    public string? Device { get; set; }
    public string? Critic { get; set; }
    public string[] Prompts { get; set; } = [];
    public string[] Artifacts { get; set; } = [];

    /// <summary>The face the job fits (an index into the faces found in its photo), once it is known.</summary>
    public int? Face { get; set; }

    /// <summary>The stages the job runs, in order, and where each starts on the job's bar (0..1).</summary>
    public string[] Stages { get; set; } = [];

    public double[] Marks { get; set; } = [];
}

/// <summary>One reported optimisation step: stage, iteration, each loss term.</summary>
public sealed class ProgressMessage
{
    public string JobId { get; set; } = "";
    public string Stage { get; set; } = "";
    public int Iteration { get; set; }
    public int TotalIterations { get; set; }

    /// <summary>Share of the whole job done, 0..1.</summary>
    public double Fraction { get; set; }

    /// <summary>Seconds since the job started running.</summary>
    public double ElapsedSeconds { get; set; }

    /// <summary>Estimated seconds to the end of the whole job (null until a stage's steps have been timed).</summary>
    public double? RemainingSeconds { get; set; }

    /// <summary>Where each stage of the job starts on its bar (0..1), as estimated now.</summary>
    public double[] Marks { get; set; } = [];

    public Dictionary<string, double> Losses { get; set; } = [];
}

/// <summary>Every step a job has reported so far, in order: what a watcher that joins late (or opens a finished job)
/// replays before the live events.</summary>
public sealed class HistoryMessage
{
    public string JobId { get; set; } = "";
    public ProgressMessage[] Steps { get; set; } = [];
}

/// <summary>A small PNG of the current render.</summary>
public sealed class RenderMessage
{
    public string JobId { get; set; } = "";
    public string Stage { get; set; } = "";
    public int Iteration { get; set; }
    public byte[] Png { get; set; } = [];
}

/// <summary>Current vertex positions as little-endian float32 x, y, z triples (the topology is sent once by REST).</summary>
public sealed class VerticesMessage
{
    public string JobId { get; set; } = "";
    public string Stage { get; set; } = "";
    public int Iteration { get; set; }
    public int VertexCount { get; set; }
    public byte[] Positions { get; set; } = [];
}
