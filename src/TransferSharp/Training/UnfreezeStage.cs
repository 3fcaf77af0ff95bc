namespace TransferSharp.Training;

/// <summary>One stage of gradual unfreezing, for the run record.</summary>
/// <param name="Stage">Label of the trained groups.</param>
/// <param name="GroupsTrained">Names of the groups that trained.</param>
/// <param name="Epochs">Epochs spent in the stage.</param>
/// <param name="BestValAccuracy">Best validation accuracy within the stage.</param>
public sealed record UnfreezeStage(
    string Stage,
    IReadOnlyList<string> GroupsTrained,
    int Epochs,
    double BestValAccuracy
);
