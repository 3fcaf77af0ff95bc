namespace TransferSharp;

/// <summary>An option value out of its allowed range; names the option, the value and the rule it breaks.</summary>
public sealed class OptionException : Exception
{
    /// <summary>Creates the exception for <paramref name="option"/> (a property path such as
    /// TrainingOptions.Epochs).</summary>
    public OptionException(string option, object? value, string problem)
        : base($"{option} = {Format(value)}: {problem}")
    {
        Option = option;
        Value = Format(value);
        Problem = problem;
    }

    /// <summary>Creates the exception for <paramref name="option"/> when no one value is at fault.</summary>
    public OptionException(string option, string problem)
        : base($"{option}: {problem}")
    {
        Option = option;
        Value = "";
        Problem = problem;
    }

    /// <summary>The option, as a property path (TrainingOptions.Epochs); the CLI shows its flag instead.</summary>
    public string Option { get; }

    /// <summary>The value given, as text (empty when no one value is at fault).</summary>
    public string Value { get; }

    /// <summary>The rule the value breaks, with the accepted range.</summary>
    public string Problem { get; }

    private static string Format(object? value) =>
        value switch
        {
            null => "null",
            double d => d.ToString("G", System.Globalization.CultureInfo.InvariantCulture),
            IEnumerable<string> list => string.Join(",", list),
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };
}
