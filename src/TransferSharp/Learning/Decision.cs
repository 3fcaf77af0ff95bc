using TransferSharp.Analysis;
using TransferSharp.Strategies;

namespace TransferSharp.Learning;

/// <summary>The strategy a fit runs: the one asked for, or under auto the advised one (or the pilots'
/// winner).</summary>
/// <param name="Options">The options the strategy runs with (under auto: the chosen strategy's, the advised
/// adapter).</param>
/// <param name="Descriptor">The strategy's registry entry.</param>
/// <param name="Strategy">The strategy.</param>
/// <param name="Advice">The advice, under auto.</param>
/// <param name="Pilot">The pilots' record, under auto with pilots (or why they were skipped).</param>
/// <param name="Pilots">The pilot runs, by strategy name (their models are kept until the result is disposed).</param>
public sealed record Decision(
    LearnerOptions Options,
    StrategyDescriptor Descriptor,
    ITransferStrategy Strategy,
    Advice? Advice,
    PilotReport? Pilot,
    IReadOnlyDictionary<string, FitResult> Pilots
);
