namespace FaceClip.Web.Components;

/// <summary>How the pages write durations: "42 s", "2:05", "1:02:05".</summary>
public static class Formats
{
    public static string Duration(TimeSpan span)
    {
        var s = (int)Math.Round(Math.Max(0, span.TotalSeconds));
        return s < 60 ? $"{s} s" : s < 3600 ? $"{s / 60}:{s % 60:00}" : $"{s / 3600}:{s / 60 % 60:00}:{s % 60:00}";
    }
}
