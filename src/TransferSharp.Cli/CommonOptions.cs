using System.CommandLine;
using TransferSharp.Backbones;

namespace TransferSharp.Cli;

/// <summary>The options several commands share, declared once: one name and one meaning everywhere.</summary>
internal static class CommonOptions
{
    /// <summary>--data: a labelled dataset (or images, where the command says so).</summary>
    public static Option<string?> Data(
        string description =
            "Labelled data: image folder (one subfolder per class), CSV of path,label, or IDX files. Default: the "
            + "embedded "
            + "Fashion-MNIST subset."
    ) => Mapped(new Option<string?>("--data") { Description = description }, "DataOptions.Train");

    /// <summary>--backbone.</summary>
    public static Option<string> Backbone() =>
        Mapped(
            new Option<string>("--backbone")
            {
                Description =
                    $"Backbone: {string.Join(", ", Registry.Names)}, or an ONNX file (model.onnx; preprocessing from "
                    + "model.json or config.json in timm's pretrained_cfg keys, the classifier cut off).",
                DefaultValueFactory = _ => Registry.DefaultName,
            },
            "ModelOptions.Backbone"
        );

    /// <summary>--size.</summary>
    public static Option<int?> Size(
        string description = "Input size in pixels (square). Default: the backbone's own."
    ) => Mapped(new Option<int?>("--size") { Description = description }, "ModelOptions.Size");

    /// <summary>--seed.</summary>
    public static Option<int> Seed(string description = "Seed of the split, initialisation and shuffling.") =>
        new("--seed") { Description = description, DefaultValueFactory = _ => 0 };

    /// <summary>--skip-bad.</summary>
    public static Option<bool> SkipBad() =>
        new("--skip-bad")
        {
            Description = "Skip undecodable images (listed in the output) instead of stopping at the first.",
        };

    /// <summary>--out: what the command writes (a folder or a file, as its description says).</summary>
    public static Option<string> Out(string description, bool required = true, string? fallback = null)
    {
        var option = new Option<string>("--out") { Description = description, Required = required && fallback is null };
        if (fallback is not null)
            option.DefaultValueFactory = _ => fallback;
        return Mapped(option, "output folder");
    }

    /// <summary>--out for a file whose default lies in the run folder.</summary>
    public static Option<string?> OutFile(string description) => new("--out") { Description = description };

    /// <summary>--strategy.</summary>
    public static Option<string> Strategy(string fallback) =>
        Mapped(
            new Option<string>("--strategy")
            {
                Description =
                    $"Strategy: {string.Join(", ", StrategyRegistry.Names)} (auto: the advisor measures the data and "
                    + "picks; see `advise`).",
                DefaultValueFactory = _ => fallback,
            },
            "strategy"
        );

    /// <summary>--batch-size.</summary>
    public static Option<int> BatchSize() =>
        Mapped(
            new Option<int>("--batch-size")
            {
                Description = "Images per step (and per backbone pass of a frozen extraction).",
                DefaultValueFactory = _ => 32,
            },
            "TrainingOptions.BatchSize"
        );

    /// <summary>The run folder a command reads, as its first argument.</summary>
    public static Argument<string> Run() => new("run") { Description = "The run folder written by fit." };

    /// <summary>Records the library property <paramref name="option"/> sets, for error messages.</summary>
    public static T Mapped<T>(T option, string property)
        where T : Option
    {
        Flags.Map(property, option.Name);
        return option;
    }

    /// <summary>--cache-limit: the feature cache folder's size cap.</summary>
    public static Option<string?> CacheLimit() =>
        new("--cache-limit")
        {
            Description =
                "Keep the feature cache folder under this size (500MB, 2GB, bytes); least recently used files go "
                + "first.",
        };

    /// <summary>A size such as 500MB, 2GB, 1.5G or a byte count; null when not given.</summary>
    public static long? Bytes(string option, string? text)
    {
        if (text is null)
            return null;
        var match = System.Text.RegularExpressions.Regex.Match(
            text.Trim(),
            @"^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase
        );
        if (!match.Success)
            throw new OptionException(option, text, "expected a size such as 500MB, 2GB or a number of bytes.");
        double value = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int power = "kmgt".IndexOf(char.ToLowerInvariant(match.Groups[2].Value.FirstOrDefault('b'))) + 1;
        double bytes = value * Math.Pow(1024, power);
        if (bytes < 1 || bytes > long.MaxValue / 2)
            throw new OptionException(option, text, "must be between 1 byte and 4 EB.");
        return (long)bytes;
    }
}
