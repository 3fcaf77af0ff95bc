using TorchSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Training;

/// <summary>A small synthetic dataset decoded once for the trainer tests (3 classes, 32x32).</summary>
public sealed class TinyStores : IDisposable
{
    public TinyStores()
    {
        Data = DatasetLoader.Load(
            TestImages.WriteFolder(TestPaths.NewTempDir("tiny"), classes: 3, perClass: 8, size: 32, color: true)
        );
        var (train, val) = StratifiedSplit.Split(Data.Labels(), Data.ClassNames, 0.25, 0);
        Train = ImageStore.Load(Data, train, 32, false, null, "train");
        Validation = ImageStore.Load(Data, val, 32, false, null, "validation");
    }

    public ImageDataset Data { get; }
    public ImageStore Train { get; }
    public ImageStore Validation { get; }

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
    }
}

public class TrainerTests : IClassFixture<TinyStores>
{
    private readonly TinyStores stores;

    public TrainerTests(TinyStores stores) => this.stores = stores;

    private static TransferModel NewModel() => new(Backbone.Load(Registry.DefaultName, 32), new ClassifierHead(512, 3));

    private static TrainingSettings Quick(int epochs = 2) =>
        new()
        {
            Epochs = epochs,
            BatchSize = 8,
            LearningRate = 1e-3,
            Seed = 1,
        };

    private static Dictionary<string, byte[]> Bytes(OnnxGraphModule network, Func<string, bool> include) =>
        network.state_dict().Where(p => include(p.Key)).ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());

    private static string[] NodesOf(TransferModel model, params int[] groups) =>
        groups.SelectMany(g => model.Backbone.Network.Groups[g].NodeNames).ToArray();

    private void AssertFrozenIdentical(
        IStrategyPlan plan,
        Func<TransferModel, Func<string, bool>> frozen,
        IRegularizer? regularizer = null,
        AugmentationOptions? augmentation = null
    )
    {
        using TransferModel model = NewModel();
        Func<string, bool> include = frozen(model);
        var before = Bytes(model.Backbone.Network, include);
        Assert.NotEmpty(before);
        var all = Bytes(model.Backbone.Network, _ => true);
        var options = Quick() with { Augmentation = augmentation ?? new AugmentationOptions() };
        new Trainer(model, options, CPU, null).Fit(
            plan,
            stores.Train,
            stores.Validation,
            Array.Empty<ITrainingCallback>(),
            regularizer
        );
        var after = Bytes(model.Backbone.Network, include);
        foreach (var (name, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        // Something else did train.
        var changed = Bytes(model.Backbone.Network, _ => true).Count(p => !p.Value.AsSpan().SequenceEqual(all[p.Key]));
        // Gradual unfreezing may spend both epochs on the head alone.
        Assert.True(changed > 0 || plan is GradualUnfreezePlan, "nothing trained in the backbone");
    }

    private sealed class EpochSnapshots : ITrainingCallback
    {
        public List<Dictionary<string, Tensor>> Snapshots { get; } = new();

        public void OnEpochEnd(TrainingContext context, EpochResult result, bool isBest) =>
            Snapshots.Add(context.Model.Snapshot());
    }

    [Fact]
    public void WeightAveragingKeepsTheMeanOfTheLastEpochs()
    {
        using TransferModel model = NewModel();
        var names = model.Groups.Select(g => g.Name).ToList();
        var snapshots = new EpochSnapshots();
        var outcome = new Trainer(model, Quick(3) with { AverageLastEpochs = 2 }, CPU, null).Fit(
            new FineTunePlan(names, 0),
            stores.Train,
            stores.Validation,
            new ITrainingCallback[] { snapshots }
        );
        Assert.NotNull(outcome.Averaged);
        Assert.Equal(new[] { 2, 3 }, outcome.Averaged!.Epochs);
        Assert.Null(outcome.RestoredEpoch);
        var final = model.Snapshot();
        foreach (var (name, value) in final.Where(p => p.Value.is_floating_point()))
        {
            Tensor expected = (snapshots.Snapshots[1][name] + snapshots.Snapshots[2][name]) / 2;
            Assert.True(value.allclose(expected, rtol: 1e-5, atol: 1e-6), $"{name} is not the mean of epochs 2 and 3");
        }
        Assert.Contains(
            "AverageLastEpochs",
            Assert.Throws<OptionException>(() => (Quick(3) with { AverageLastEpochs = 4 }).Validate()).Message
        );
    }

    [Fact]
    public void AScoredStartingPointIsKeptWhenNoEpochBeatsIt()
    {
        using TransferModel model = NewModel();
        var names = model.Groups.Select(g => g.Name).ToList();
        // A fitted start: a linear probe's head on the frozen features, scored on the training images it fitted (6
        // validation images are too few for a start that surely beats a wrecked epoch).
        ImageStore scored = stores.Train;
        var wreck = Quick(1) with { LearningRate = 5.0, LrSpread = 1, WeightDecay = 0, LabelSmoothing = 0 };
        var trainer = new Trainer(model, wreck with { ScoreStart = true }, CPU);
        using (var scope = NewDisposeScope())
        {
            Tensor features = ModelEvaluation.Features(model, scored, CPU, null, "start");
            var probe = LinearProbe.Fit(
                features,
                scored.Labels,
                features,
                scored.Labels,
                3,
                new LinearProbeOptions { Seed = 1 },
                null
            );
            using (var _ = no_grad())
                foreach (var (name, tensor) in probe.Head.state_dict())
                    model.Head.state_dict()[name].copy_(tensor);
            probe.Head.Dispose();
        }
        double startAccuracy = trainer.Evaluate(scored).accuracy;
        Assert.True(startAccuracy > 0.5, $"the probe did not fit the training images ({startAccuracy:P0})");
        var start = Bytes(model.Backbone.Network, _ => true);
        var startHead = model.Head.state_dict().ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());
        // Then one epoch at a rate that wrecks the network: with the start scored, the start comes back.
        var kept = trainer.Fit(new FineTunePlan(names, 0), stores.Train, scored, Array.Empty<ITrainingCallback>());
        Assert.NotNull(kept.History.Start);
        Assert.Equal(0, kept.History.Start!.Epoch);
        Assert.Equal(startAccuracy, kept.History.Start.ValAccuracy, 6);
        Assert.Same(kept.History.Start, kept.History.Best);
        Assert.Equal(1, kept.History.EpochsSinceBest);
        Assert.Equal(0, kept.RestoredEpoch);
        Assert.All(
            Bytes(model.Backbone.Network, _ => true),
            p => Assert.True(p.Value.AsSpan().SequenceEqual(start[p.Key]), $"{p.Key} was not restored")
        );
        Assert.All(
            model.Head.state_dict(),
            p =>
                Assert.True(
                    p.Value.bytes.ToArray().AsSpan().SequenceEqual(startHead[p.Key]),
                    $"head {p.Key} was not restored"
                )
        );
        // Without it, the wrecked epoch is the only checkpoint and stays.
        var lost = new Trainer(model, wreck, CPU, null).Fit(
            new FineTunePlan(names, 0),
            stores.Train,
            scored,
            Array.Empty<ITrainingCallback>()
        );
        Assert.Null(lost.History.Start);
        Assert.Equal(1, lost.RestoredEpoch);
        Assert.Contains(Bytes(model.Backbone.Network, _ => true), p => !p.Value.AsSpan().SequenceEqual(start[p.Key]));
        Assert.True(lost.History.Epochs[0].ValLoss > kept.History.Start.ValLoss, "the wrecking rate did not wreck");
    }

    private static Func<string, bool> InNodes(string[] nodes) =>
        name => nodes.Any(n => name.StartsWith(n + ".", StringComparison.Ordinal));

    [Fact]
    public void FineTuneWithFreezeToKeepsLowerGroupsByteIdentical()
    {
        var names = new[] { "stem", "stage1", "stage2", "stage3", "stage4", "head" };
        // Weights and BN running statistics of stem..stage2, with and without augmentation (the frozen prefix is cached
        // only without).
        AssertFrozenIdentical(new FineTunePlan(names, 3), m => InNodes(NodesOf(m, 0, 1, 2)));
        AssertFrozenIdentical(
            new FineTunePlan(names, 3),
            m => InNodes(NodesOf(m, 0, 1, 2)),
            augmentation: AugmentationOptions.Off
        );
    }

    [Fact]
    public void BatchNormOnlyKeepsEveryConvolutionByteIdentical()
    {
        var names = new[] { "stem", "stage1", "stage2", "stage3", "stage4", "head" };
        AssertFrozenIdentical(
            new BatchNormOnlyPlan(names),
            m =>
            {
                var bn = m
                    .Backbone.Network.Nodes.Where(n => n.OpType == "BatchNormalization")
                    .Select(n => n.Name)
                    .ToHashSet();
                return name => !bn.Contains(name[..name.LastIndexOf('.')]);
            }
        );
    }

    [Fact]
    public void GradualUnfreezeKeepsNotYetUnfrozenGroupsByteIdentical()
    {
        var names = new[] { "stem", "stage1", "stage2", "stage3", "stage4", "head" };
        // Two epochs with patience 1: head, then stage4 + head at most.
        AssertFrozenIdentical(new GradualUnfreezePlan(names, 1), m => InNodes(NodesOf(m, 0, 1, 2, 3)));
    }

    [Fact]
    public void GroupsGetTheRatesThatWereAsked()
    {
        using TransferModel model = NewModel();
        var options = Quick(1) with
        {
            LearningRate = 1e-2,
            LrSpread = 100,
            Schedule = ScheduleKind.Constant,
            WarmupFraction = 0,
        };
        var outcome = new Trainer(model, options, CPU, null).Fit(
            new FineTunePlan(model.Groups.Select(g => g.Name).ToList(), 0),
            stores.Train,
            stores.Validation,
            Array.Empty<ITrainingCallback>()
        );
        var rates = outcome.History.Epochs[0].LearningRates;
        double[] expected = LearningRateSpread.Geometric(1e-2, 100, 6);
        Assert.Equal(expected, model.Groups.Select(g => rates[g.Name]));
        Assert.Equal(1e-4, rates["stem"], 12);
        Assert.Equal(1e-2, rates["head"], 12);
    }

    private sealed class LiveTensorProbe : ITrainingCallback
    {
        public List<long> Counts { get; } = new();

        public void OnEpochEnd(TrainingContext context, EpochResult result, bool isBest) =>
            Counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void NoTensorLeaksAcrossEpochs()
    {
        using TransferModel model = NewModel();
        var probe = new LiveTensorProbe();
        var names = model.Groups.Select(g => g.Name).ToList();
        new Trainer(model, Quick(4), CPU, null).Fit(
            new FineTunePlan(names, 2),
            stores.Train,
            stores.Validation,
            new[] { probe }
        );
        Assert.Equal(4, probe.Counts.Count);
        Assert.True(
            probe.Counts[3] <= probe.Counts[1],
            $"live tensors grew across epochs: {string.Join(", ", probe.Counts)}"
        );
    }

    private sealed class PoisonAfterFirstEpoch : IRegularizer
    {
        public int Calls;
        public int StepsPerEpoch;

        public Tensor Penalty(TransferModel model) => ++Calls > StepsPerEpoch ? tensor(float.NaN) : zeros(1).squeeze();

        public bool ReplacesWeightDecay(int group) => false;
    }

    [Fact]
    public void NanLossStopsWithEpochAndBatchAndKeepsTheBestCheckpoint()
    {
        using TransferModel model = NewModel();
        var options = Quick(3);
        var poison = new PoisonAfterFirstEpoch
        {
            StepsPerEpoch = (stores.Train.Count + options.BatchSize - 1) / options.BatchSize,
        };
        var trainer = new Trainer(model, options, CPU, null);
        var outcome = trainer.Fit(
            new FineTunePlan(model.Groups.Select(g => g.Name).ToList(), 0),
            stores.Train,
            stores.Validation,
            Array.Empty<ITrainingCallback>(),
            poison
        );
        Assert.NotNull(outcome.Failure);
        Assert.Equal(2, outcome.Failure!.Epoch);
        Assert.Equal(1, outcome.Failure.Batch);
        Assert.Contains("epoch 2, batch 1", outcome.StopReason);
        Assert.Equal(1, outcome.RestoredEpoch);
        // The restored weights are finite and score as epoch 1 did.
        Assert.All(model.Backbone.Network.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
        Assert.Equal(outcome.History.Epochs[0].ValAccuracy, trainer.Evaluate(stores.Validation).accuracy, 6);
    }

    /// <summary>A NaN penalty at one step (the first of epoch 2), or a finite penalty whose gradient is NaN.</summary>
    private sealed class PoisonOnce(int step, bool gradientOnly) : IRegularizer
    {
        private int calls;

        public Tensor Penalty(TransferModel model)
        {
            if (++calls != step)
                return zeros(1).squeeze();
            if (!gradientOnly)
                return tensor(float.NaN);
            // sqrt at 0: the value is 0, its derivative infinite (times 0: NaN).
            return (model.Head.parameters().First().sum() * 0).abs().sqrt();
        }

        public bool ReplacesWeightDecay(int group) => false;
    }

    [Fact]
    public void ReduceLrRetriesTheEpochFromTheStateBeforeItAtATenthOfTheRate()
    {
        using TransferModel model = NewModel();
        var options = Quick(3) with { OnNonFinite = NonFinitePolicy.ReduceLr };
        int steps = (stores.Train.Count + options.BatchSize - 1) / options.BatchSize;
        var messages = new List<string>();
        var progress = new SynchronousProgress(u => messages.Add(u.Text));
        var outcome = new Trainer(model, options, CPU, progress).Fit(
            new FineTunePlan(model.Groups.Select(g => g.Name).ToList(), 0),
            stores.Train,
            stores.Validation,
            Array.Empty<ITrainingCallback>(),
            new PoisonOnce(steps + 1, gradientOnly: false)
        );
        Assert.Null(outcome.Failure);
        Assert.Equal(new[] { 1, 2, 3 }, outcome.History.Epochs.Select(e => e.Epoch));
        Assert.Contains(messages, m => m.Contains("epoch 2, batch 1") && m.Contains("retry 1 of 3"));
        // Epochs 2 and 3 ran at a tenth of the rates of a clean run; epoch 1 at the same.
        using TransferModel clean = NewModel();
        var reference = new Trainer(clean, options, CPU, null).Fit(
            new FineTunePlan(clean.Groups.Select(g => g.Name).ToList(), 0),
            stores.Train,
            stores.Validation
        );
        double[] Head(TrainingOutcome o) => o.History.Epochs.Select(e => e.LearningRates["head"]).ToArray();
        Assert.Equal(Head(reference).Select((r, i) => i == 0 ? r : r / 10), Head(outcome), new Tolerance(1e-12));
        Assert.All(model.Head.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
    }

    [Fact]
    public void ANanGradientWithAFiniteLossStopsBeforeTheStep()
    {
        using TransferModel model = NewModel();
        var options = Quick(2);
        int steps = (stores.Train.Count + options.BatchSize - 1) / options.BatchSize;
        var outcome = new Trainer(model, options, CPU, null).Fit(
            new FineTunePlan(model.Groups.Select(g => g.Name).ToList(), 0),
            stores.Train,
            stores.Validation,
            Array.Empty<ITrainingCallback>(),
            new PoisonOnce(steps + 2, gradientOnly: true)
        );
        Assert.NotNull(outcome.Failure);
        Assert.Contains("gradient became NaN or infinite at epoch 2, batch 2", outcome.StopReason);
        Assert.All(model.Head.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
    }

    [Fact]
    public void FrozenPrefixGivesTheSameLogitsAsTheWholeNetwork()
    {
        using TransferModel model = NewModel();
        model.Train(false);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor x = stores.Train.Batch(model.Backbone, arange(0, 4, dtype: ScalarType.Int64), CPU);
        Tensor whole = model.Forward(x);
        for (int k = 1; k < 5; k++)
        {
            Assert.True(model.Backbone.Network.CanSplitBefore(k), $"ResNet18 should split before group {k}");
            Tensor split = model.ForwardFrom(model.Backbone.Network.ForwardPrefix(x, k), k);
            Assert.True(whole.allclose(split, rtol: 1e-5, atol: 1e-5), $"split at {k} differs");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FrozenBatchNormStatisticsStayWhileEverythingTrains(bool freeze)
    {
        using TransferModel model = NewModel();
        var network = model.Backbone.Network;
        static bool IsStatistic(string name) => name.EndsWith("running_mean") || name.EndsWith("running_var");
        var before = network.state_dict().ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());
        var options = Quick(1) with { FreezeBatchNormStatistics = freeze };
        new Trainer(model, options, CPU, null).Fit(
            new FineTunePlan(model.Groups.Select(g => g.Name).ToList(), 0),
            stores.Train,
            stores.Validation,
            Array.Empty<ITrainingCallback>()
        );
        var after = network.state_dict().ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());
        int statisticsChanged = before.Count(p => IsStatistic(p.Key) && !p.Value.AsSpan().SequenceEqual(after[p.Key]));
        int weightsChanged = before.Count(p => !IsStatistic(p.Key) && !p.Value.AsSpan().SequenceEqual(after[p.Key]));
        Assert.True(weightsChanged > 0, "nothing trained");
        if (freeze)
            Assert.Equal(0, statisticsChanged);
        else
            Assert.True(statisticsChanged > 0, "batch statistics did not update the running statistics");
    }

    [Fact]
    public void AutogradThroughFrozenPartsOnlyCostsTime()
    {
        // The naive baseline: frozen groups' gradients are computed and thrown away; nothing frozen moves, and they end
        // frozen.
        using TransferModel model = NewModel();
        var names = model.Groups.Select(g => g.Name).ToList();
        Func<string, bool> isFrozen = InNodes(NodesOf(model, 0, 1));
        var before = Bytes(model.Backbone.Network, isFrozen);
        Assert.NotEmpty(before);
        var options = Quick(1) with { AutogradThroughFrozen = true, OptimizeFrozenPrefix = false };
        new Trainer(model, options, CPU, null).Fit(
            new FineTunePlan(names, 2),
            stores.Train,
            stores.Validation,
            Array.Empty<ITrainingCallback>()
        );
        var after = Bytes(model.Backbone.Network, isFrozen);
        foreach (var (name, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        Assert.All(
            model.Groups.Take(2).SelectMany(g => g.All),
            p =>
            {
                Assert.False(p.requires_grad);
                Assert.Null(p.grad);
            }
        );
    }

    [Fact]
    public void AdaBnChangesOnlyBatchNormStatistics()
    {
        using TransferModel model = NewModel();
        var network = model.Backbone.Network;
        var before = network.state_dict().ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());
        int layers = BatchNormTools.ReestimateStatistics(model, stores.Train, CPU, null, batchSize: 8);
        Assert.Equal(network.Nodes.Count(n => n.OpType == "BatchNormalization"), layers);
        foreach (var (name, tensor) in network.state_dict())
        {
            bool statistic = name.EndsWith("running_mean") || name.EndsWith("running_var");
            Assert.Equal(!statistic, before[name].AsSpan().SequenceEqual(tensor.bytes));
        }
        Assert.False(network.training);
    }

    [Fact]
    public void LrFindSuggestsAFiniteRateAndRestoresTheWeights()
    {
        using TransferModel model = NewModel();
        var before = model.Backbone.Network.state_dict().ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());
        var names = model.Groups.Select(g => g.Name).ToList();
        var sweep = LearningRateFinder.Run(
            model,
            stores.Train,
            new FineTunePlan(names, 0),
            Quick() with
            {
                BatchSize = 4,
            },
            CPU,
            Array.Empty<ITrainingCallback>(),
            null,
            steps: 12,
            start: 1e-6,
            end: 1
        );
        Assert.InRange(sweep.Steepest, 1e-6, 1);
        Assert.True(sweep.LearningRates.Zip(sweep.LearningRates.Skip(1)).All(p => p.Second > p.First));
        foreach (var (name, tensor) in model.Backbone.Network.state_dict())
            Assert.True(before[name].AsSpan().SequenceEqual(tensor.bytes), $"{name} not restored");
    }

    private sealed class Tolerance(double relative) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= relative * Math.Max(Math.Abs(a), Math.Abs(b));

        public int GetHashCode(double value) => 0;
    }
}
