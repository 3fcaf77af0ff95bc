using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TransferSharp.Cli;

/// <summary>Durations as people write them: 90s, 20m, 1h30m, 1.5h, or TimeSpan's hh:mm:ss.</summary>
internal static partial class Durations
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Units();

    /// <summary>The duration <paramref name="text"/> names, or null when it names none.</summary>
    public static TimeSpan? From(string text)
    {
        text = text.Trim();
        if (text.Contains(':'))
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double bare))
            return TimeSpan.FromSeconds(bare);
        Match match = Units().Match(text);
        if (!match.Success || text.Length == 0)
            return null;
        double Part(int group) =>
            match.Groups[group].Success ? double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromSeconds(Part(1) * 3600 + Part(2) * 60 + Part(3));
    }

    /// <summary>A parser for an option of <paramref name="option"/>'s name: an error naming it when the text is not
    /// a positive duration.</summary>
    public static TimeSpan? Parse(ArgumentResult result, string option)
    {
        string value = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (From(value) is { } span && span > TimeSpan.Zero)
            return span;
        result.AddError($"{option} '{value}': not a positive duration; write e.g. 90s, 20m, 1h30m or 00:20:00.");
        return null;
    }
}
