using System.CommandLine;
using System.Globalization;
using TransferSharp.Backbones;

namespace TransferSharp.Cli;

/// <summary>--mean, --std, --channel-order, --input-range, --feature-node: an ONNX file backbone's input, over its
/// sidecar.</summary>
internal sealed class PreprocessingFlags
{
    public PreprocessingFlags() =>
        Flags.Map("ModelOptions.Preprocessing", "--mean/--std/--channel-order/--input-range/--feature-node");

    public Option<string?> Mean { get; } =
        new("--mean")
        {
            Description =
                "An ONNX file backbone's per-channel mean, 0..1 scale, comma-separated (over its sidecar; default "
                + "ImageNet's).",
        };

    public Option<string?> Std { get; } =
        new("--std") { Description = "An ONNX file backbone's per-channel std, 0..1 scale, comma-separated." };

    public Option<string?> ChannelOrder { get; } =
        new("--channel-order") { Description = "An ONNX file backbone's channel order: RGB (default) or BGR." };

    public Option<double?> InputRange { get; } =
        new("--input-range") { Description = "The pixel range an ONNX file backbone expects: 1 (default) or 255." };

    public Option<string?> FeatureNode { get; } =
        new("--feature-node")
        {
            Description =
                "End an ONNX file backbone at this node's output (default: where its classifier starts, found "
                + "automatically).",
        };

    /// <summary>All five, to add to a command.</summary>
    public IEnumerable<Option> All => new Option[] { Mean, Std, ChannelOrder, InputRange, FeatureNode };

    /// <summary>Adds all five to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in All)
            command.Options.Add(option);
    }

    /// <summary>What was given, or null when nothing was.</summary>
    public BackbonePreprocessing? Read(ParseResult parse)
    {
        var result = new BackbonePreprocessing
        {
            Mean = Numbers("--mean", parse.GetValue(Mean)),
            Std = Numbers("--std", parse.GetValue(Std)),
            ChannelOrder = parse.GetValue(ChannelOrder) is { } order
                ? BackbonePreprocessing.ParseChannelOrder(order)
                    ?? throw new OptionException("--channel-order", order.ToUpperInvariant(), "expected RGB or BGR.")
                : null,
            InputRange = parse.GetValue(InputRange), // checked with the sidecar's values (BackbonePreprocessing)
            FeatureNode = parse.GetValue(FeatureNode),
        };
        return result is { IsEmpty: true, FeatureNode: null } ? null : result;
    }

    private static IReadOnlyList<double>? Numbers(string flag, string? text)
    {
        if (text is null)
            return null;
        var values = new List<double>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
            values.Add(
                double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                    ? v
                    : throw new OptionException(flag, text, $"'{part}' is not a number; expected e.g. 0.5,0.5,0.5.")
            );
        return values;
    }
}
