using System.CommandLine;
using System.CommandLine.Parsing;

namespace TransferSharp.Cli.Commands;

/// <summary>Kebab-case enum values on the command line (one-cycle, random-resized).</summary>
internal static class EnumValues
{
    /// <summary>An option whose value is one of <typeparamref name="T"/>'s names in kebab case.</summary>
    public static Option<T?> Option<T>(string name, string description)
        where T : struct, Enum =>
        new(name)
        {
            Description = $"{description} ({string.Join(", ", Names<T>())}).",
            CustomParser = result => Parse<T>(result, name),
        };

    /// <summary>The kebab-case names of <typeparamref name="T"/>.</summary>
    public static IEnumerable<string> Names<T>()
        where T : struct, Enum =>
        Enum.GetNames<T>()
            .Select(n =>
                string.Concat(
                    n.Select(
                        (c, i) =>
                            i > 0 && char.IsUpper(c)
                                ? "-" + char.ToLowerInvariant(c)
                                : char.ToLowerInvariant(c).ToString()
                    )
                )
            );

    private static T? Parse<T>(ArgumentResult result, string option)
        where T : struct, Enum
    {
        string value = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        string wanted = value.Replace("-", "").Replace("_", "");
        foreach (T candidate in Enum.GetValues<T>())
            if (string.Equals(candidate.ToString(), wanted, StringComparison.OrdinalIgnoreCase))
                return candidate;
        result.AddError($"{option} '{value}': unknown value; choose one of {string.Join(", ", Names<T>())}.");
        return null;
    }
}
