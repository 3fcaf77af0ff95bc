namespace TransferSharp.Strategies;

/// <summary>
/// A strategy's typed options; every strategy has its own record deriving from this one (Strategies/LpFt/LpFtOptions),
/// and <see cref="StrategyRegistry"/> maps each record type to its strategy.
/// </summary>
public abstract record StrategyOptions
{
    /// <summary>Throws <see cref="OptionException"/> naming the first bad value.</summary>
    public virtual void Validate() { }
}
