namespace TransferSharp.Training;

/// <summary>The epochs so far, and which was best on validation.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochResult> epochs = new();

    /// <summary>Completed epochs.</summary>
    public IReadOnlyList<EpochResult> Epochs => epochs;

    /// <summary>The best epoch so far (highest validation accuracy, ties to lower loss, and a tie with the start to the
    /// trained epoch), or null; epoch 0 is <see cref="Start"/>.</summary>
    public EpochResult? Best { get; private set; }

    /// <summary>The starting point's validation score (epoch 0, before any training), when it was measured; not among
    /// <see cref="Epochs"/>.</summary>
    public EpochResult? Start { get; private set; }

    /// <summary>Sets the starting point (epoch 0): the first best, which training epochs must beat.</summary>
    public void SetStart(EpochResult start)
    {
        if (epochs.Count > 0)
            throw new InvalidOperationException("the starting point is scored before the first epoch");
        Start = Best = start;
    }

    /// <summary>Replaces the history with a checkpoint's: its starting point and epochs, in order.</summary>
    internal void Restore(EpochResult? start, IEnumerable<EpochResult> results)
    {
        epochs.Clear();
        Start = Best = start;
        foreach (var result in results)
            Add(result);
    }

    /// <summary>Adds an epoch; returns whether it is the new best.</summary>
    public bool Add(EpochResult result)
    {
        epochs.Add(result);
        if (Best is null || IsBetter(result, Best))
        {
            Best = result;
            return true;
        }
        return false;
    }

    /// <summary>Validation order: higher accuracy, then lower loss; but a trained epoch wins a tie with the start
    /// (epoch 0), whatever the losses say. The start's head is fitted without label smoothing and training smooths,
    /// so the start's loss reads lower at the same accuracy (Fashion-MNIST 100/class, LP-FT on stage2+stage3: the
    /// start kept on a tie tested 0.8708 and 0.8709, the trained networks 0.8814 and 0.8784; bench/README.md).
    /// </summary>
    public static bool IsBetter(EpochResult a, EpochResult b) =>
        a.ValAccuracy > b.ValAccuracy + 1e-9
        || (
            Math.Abs(a.ValAccuracy - b.ValAccuracy) <= 1e-9
            && ((b.Epoch == 0 && a.Epoch > 0) || (a.Epoch > 0 == b.Epoch > 0 && a.ValLoss < b.ValLoss))
        );

    /// <summary>The best of a subset of epochs.</summary>
    public static EpochResult? BestOf(IEnumerable<EpochResult> results)
    {
        EpochResult? best = null;
        foreach (var r in results)
            if (best is null || IsBetter(r, best))
                best = r;
        return best;
    }

    /// <summary>Epochs since the best one (0 when the last is the best; every epoch when the starting point is still
    /// the best).</summary>
    public int EpochsSinceBest => Best is null ? 0 : epochs.Count - epochs.IndexOf(Best) - 1;
}
