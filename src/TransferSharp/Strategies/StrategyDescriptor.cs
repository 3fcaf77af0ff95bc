using System.Text.Json.Serialization;

namespace TransferSharp.Strategies;

/// <summary>One registered strategy: its name, what it does in a line, its options type, and how to create
/// it.</summary>
[JsonConverter(typeof(StrategyDescriptorJsonConverter))]
public sealed class StrategyDescriptor
{
    private readonly Func<StrategyOptions> defaults;
    private readonly Func<StrategyOptions, ITransferStrategy> create;

    internal StrategyDescriptor(
        string name,
        string summary,
        Type optionsType,
        Func<StrategyOptions> defaults,
        Func<StrategyOptions, ITransferStrategy> create
    )
    {
        Name = name;
        Summary = summary;
        OptionsType = optionsType;
        this.defaults = defaults;
        this.create = create;
    }

    /// <summary>The name the CLI and the run record use (lp-ft).</summary>
    public string Name { get; }

    /// <summary>What the strategy trains, in one line.</summary>
    public string Summary { get; }

    /// <summary>The strategy's options record type.</summary>
    public Type OptionsType { get; }

    /// <summary>The strategy's options with every default.</summary>
    public StrategyOptions DefaultOptions() => defaults();

    /// <summary>The strategy for <paramref name="options"/> (its defaults when null).</summary>
    public ITransferStrategy Create(StrategyOptions? options = null) => create(options ?? defaults());

    /// <summary>P for this strategy (its default options).</summary>
    public long TrainableParameters(ParameterCounts counts) => Create().TrainableParameters(counts);

    /// <inheritdoc />
    public override string ToString() => Name;
}
