using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Progress;
using TransferSharp.Strategies.GradualUnfreeze;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Learning;

public class ResumeTests : IClassFixture<TinyFolders>
{
    private readonly TinyFolders folders;

    public ResumeTests(TinyFolders folders) => this.folders = folders;

    private LearnerOptions Options(
        string? checkpoints = null,
        bool resume = false,
        int batchSize = 32,
        TimeSpan? withinEpoch = null
    ) =>
        new()
        {
            Data = new DataOptions
            {
                Train = folders.Train,
                Test = folders.Test,
                ValidationFraction = 0.2,
                UseCache = false,
            },
            Model = new ModelOptions { Size = 32 },
            // Patience 1: the unfreezing stage changes within four epochs, so the plan's state must be resumed too.
            Training = new TrainingOptions
            {
                Epochs = 4,
                Patience = 1,
                Deterministic = true,
                BatchSize = batchSize,
            },
            Strategy = new GradualUnfreezeOptions(),
            Analyses = new AnalysisOptions { DomainDistance = false, Filters = false },
            Checkpoints = checkpoints is null
                ? null
                : new CheckpointOptions
                {
                    Folder = checkpoints,
                    Resume = resume,
                    WithinEpochEvery = withinEpoch,
                },
        };

    [Fact]
    public void ResumedFitEndsWithTheUninterruptedWeightsAndHistory()
    {
        using FitResult full = new TransferLearner(Options()).Fit();
        string folder = TestPaths.NewTempDir("checkpoints");
        // Interrupted once epoch 2 is reported: the cancellation lands in epoch 3, after the second checkpoint.
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(u =>
        {
            if (u.Kind == ProgressKind.Message && u.Text.StartsWith("epoch 2:", StringComparison.Ordinal))
                cancel.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new TransferLearner(Options(folder)).Fit(progress, cancel.Token)
        );
        Assert.True(CheckpointStore.HasCheckpoint(folder));
        var messages = new List<string>();
        using FitResult resumed = new TransferLearner(Options(folder, resume: true)).Fit(
            new SynchronousProgress(u => messages.Add(u.Text))
        );
        Assert.Contains(messages, m => m.Contains("resumed after epoch 2", StringComparison.Ordinal));
        Assert.Equal(Weights(full), Weights(resumed));
        var epochs = (FitResult r) => r.Report.Epochs!.Select(e => (e.Epoch, e.Stage, e.TrainLoss, e.ValAccuracy));
        Assert.Equal(epochs(full), epochs(resumed));
        Assert.Equal(full.Report.TestAccuracy, resumed.Report.TestAccuracy);
        Assert.NotEmpty(full.Report.UnfreezeStages!);
        Assert.Equal(
            full.Report.UnfreezeStages!.Select(s => (s.Stage, s.Epochs)),
            resumed.Report.UnfreezeStages!.Select(s => (s.Stage, s.Epochs))
        );
    }

    [Fact]
    public void ResumedFromWithinAnEpochEndsWithTheUninterruptedWeights()
    {
        using FitResult full = new TransferLearner(Options(batchSize: 4)).Fit();
        string folder = TestPaths.NewTempDir("checkpoints");
        // Interrupted after the second batch of epoch 2 (of six): resumed from the checkpoint written after it.
        using var cancel = new CancellationTokenSource();
        int? epoch2 = null;
        var progress = new SynchronousProgress(u =>
        {
            if (u.Kind == ProgressKind.Started && u.Text.StartsWith("epoch 2/", StringComparison.Ordinal))
                epoch2 = u.TaskId;
            if (u.Kind == ProgressKind.Advanced && u.TaskId == epoch2 && u.Completed >= 2)
                cancel.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new TransferLearner(Options(folder, batchSize: 4, withinEpoch: TimeSpan.Zero)).Fit(progress, cancel.Token)
        );
        var messages = new List<string>();
        // Within-epoch checkpoints after every batch: a kill anywhere loses one batch at most.
        var again = Options(folder, resume: true, batchSize: 4, withinEpoch: TimeSpan.Zero);
        using FitResult resumed = new TransferLearner(again).Fit(new SynchronousProgress(u => messages.Add(u.Text)));
        Assert.Contains(messages, m => m.Contains("resumed in epoch 2 after batch 2", StringComparison.Ordinal));
        Assert.Equal(Weights(full), Weights(resumed));
        Assert.Equal(
            full.Report.Epochs!.Select(e => (e.Epoch, e.TrainLoss, e.ValAccuracy, e.LearningRates["head"])),
            resumed.Report.Epochs!.Select(e => (e.Epoch, e.TrainLoss, e.ValAccuracy, e.LearningRates["head"]))
        );
    }

    [Fact]
    public void ResumeRefusesChangedOptionsListingThem()
    {
        string folder = TestPaths.NewTempDir("checkpoints");
        using (new TransferLearner(Options(folder)).Fit()) { }
        var changed = Options(folder, resume: true) with
        {
            Training = Options().Training with { Epochs = 5 },
            Seed = 3,
        };
        var e = Assert.Throws<CheckpointException>(() => new TransferLearner(changed).Fit());
        Assert.Contains("training.epochs: 4 -> 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("seed: 0 -> 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedCheckpointIsRefusedNamingTheFile()
    {
        string folder = TestPaths.NewTempDir("checkpoints");
        using (new TransferLearner(Options(folder)).Fit()) { }
        string state = Path.Combine(folder, "checkpoint.bin");
        byte[] bytes = File.ReadAllBytes(state);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(state, bytes);
        var e = Assert.Throws<InvalidDataException>(() => new TransferLearner(Options(folder, resume: true)).Fit());
        Assert.Contains(state, e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
    }

    private static List<float[]> Weights(FitResult result) =>
        result
            .Model.Head.parameters()
            .Concat(result.Model.Backbone.Network.parameters())
            .Select(p => p.detach().cpu().data<float>().ToArray())
            .ToList();
}
