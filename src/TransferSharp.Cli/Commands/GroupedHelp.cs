using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace TransferSharp.Cli.Commands;

/// <summary>fit --help: options grouped by concern, each saying which strategies it applies to; other commands' help as
/// usual.</summary>
internal sealed class GroupedHelp : SynchronousCommandLineAction
{
    private readonly Command fit;
    private readonly FitFlags flags;
    private readonly CommandLineAction fallback;

    public GroupedHelp(Command fit, FitFlags flags, CommandLineAction fallback)
    {
        this.fit = fit;
        this.flags = flags;
        this.fallback = fallback;
    }

    /// <summary>Replaces the root's help action with one that groups fit's options.</summary>
    public static void Install(RootCommand root, Command fit, FitFlags flags)
    {
        HelpOption help = root.Options.OfType<HelpOption>().First();
        help.Action = new GroupedHelp(fit, flags, help.Action ?? new HelpAction());
    }

    public override int Invoke(ParseResult parse)
    {
        if (parse.CommandResult.Command != fit)
            return fallback is SynchronousCommandLineAction action ? action.Invoke(parse) : 0;
        Console.WriteLine($"Description:\n  {fit.Description}\n\nUsage:\n  transfersharp fit [options] --out <DIR>\n");
        foreach (var group in flags.All.GroupBy(f => f.group))
        {
            var scopes = group.Select(f => f.scope.Text).Distinct().ToList();
            string applies = scopes.Count == 1 && scopes[0] != FlagScope.All.Text ? $" ({scopes[0]})" : "";
            Console.WriteLine($"{group.Key}{applies}:");
            foreach (var (_, option, scope) in group)
            {
                string note = scopes.Count > 1 && scope != FlagScope.All ? $" [{scope.Text}]" : "";
                Write(Usage(option), option.Description + note + Default(option));
            }
            Console.WriteLine();
        }
        return 0;
    }

    private static string Usage(Option option) =>
        option.ValueType == typeof(bool) ? option.Name : $"{option.Name} <{option.HelpName ?? Hint(option)}>";

    private static string Hint(Option option)
    {
        Type type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        return type == typeof(int) ? "N"
            : type == typeof(double) ? "X"
            : type.IsEnum ? "KIND"
            : "VALUE";
    }

    private static string Default(Option option)
    {
        if (!option.HasDefaultValue || option.ValueType == typeof(bool))
            return "";
        object? value = option.GetDefaultValue();
        return value is null
            ? ""
            : $" [default: {Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)}]";
    }

    private static void Write(string left, string right)
    {
        const int column = 28,
            width = 118;
        var words = right.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var line = new System.Text.StringBuilder("  " + left.PadRight(column - 2));
        if (left.Length > column - 3)
            line.Append('\n').Append(new string(' ', column));
        int length = line.Length - (line.ToString().LastIndexOf('\n') + 1);
        foreach (string word in words)
        {
            if (length + word.Length + 1 > width)
            {
                line.Append('\n').Append(new string(' ', column));
                length = column;
            }
            line.Append(word).Append(' ');
            length += word.Length + 1;
        }
        Console.WriteLine(line.ToString().TrimEnd());
    }
}
