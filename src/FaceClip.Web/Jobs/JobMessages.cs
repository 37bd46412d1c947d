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

    public double ElapsedSeconds { get; set; }
    public double? RemainingSeconds { get; set; }
    public Dictionary<string, double> Losses { get; set; } = [];
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
