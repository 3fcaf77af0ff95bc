using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Engine;
using TransferSharp.Progress;
using TransferSharp.Reports;
using TransferSharp.Runs;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies;

/// <summary><c>transfersharp lr-find</c>: a learning-rate sweep on the training split, a suggested rate, a JSON record and a PNG plot.</summary>
public static class LrFind
{
    /// <summary>Runs the sweep for the network-training strategy in <paramref name="options"/>; writes lr-find.json and lr-find.png.</summary>
    public static LearningRateSweep Run(FitOptions options, IProgressSink progress, int steps = 100)
    {
        options.Validate();
        if (options.Strategy is StrategyCatalog.FeatureExtraction or StrategyCatalog.AdaBatchNorm)
            throw new OptionException($"--strategy {options.Strategy}: lr-find sweeps network training (fine-tune, gradual-unfreeze, bn-only, l2-sp, lp-ft, scratch); feature extraction chooses its own regularisation.");
        string output = RunFolder.Prepare(options.Output);
        Device device = TorchRuntime.ResolveDevice(options.Device);
        ImageDataset train = DatasetLoader.Load(options.Data ?? EmbeddedData.TrainImages, DatasetRole.Train);
        var (trainIdx, _) = StratifiedSplit.Split(train.Labels(), train.ClassNames, options.ValidationFraction, options.Seed);
        manual_seed(options.Seed);
        using Backbone backbone = Backbone.Load(options.Backbone, options.Size);
        using ImageStore store = ImageStore.Load(train, trainIdx, backbone.InputSize, options.SkipBad, progress, "train");
        if (options.Strategy == StrategyCatalog.Scratch) BatchNormTools.Reinitialize(backbone, options.Seed);
        var head = new ClassifierHead(backbone.FeatureWidth, train.ClassNames.Count);
        var model = new TransferModel(backbone, head);
        var names = model.Groups.Select(g => g.Name).ToList();
        IStrategyPlan plan = options.Strategy switch
        {
            StrategyCatalog.BatchNormOnly => new BatchNormOnlyPlan(names),
            StrategyCatalog.GradualUnfreeze => new FineTunePlan(names, model.HeadIndex),
            _ => new FineTunePlan(names, options.Strategy == StrategyCatalog.FineTune ? options.FreezeTo : 0),
        };
        TrainingOptions training = NetworkStrategy.Defaults(options);
        LearningRateSweep sweep = LearningRateFinder.Run(model, store, plan, training, device, progress, steps: steps);
        head.Dispose();
        Json.Write(Path.Combine(output, "lr-find.json"), new
        {
            strategy = options.Strategy, input_size = backbone.InputSize, group_ratios = training.GroupRates(names.Count).Select(r => r / training.LearningRate),
            suggested_lr = sweep.Steepest, minimum_over_ten = sweep.MinimumOverTen, learning_rates = sweep.LearningRates, losses = sweep.Losses,
        });
        Plots.Line(Path.Combine(output, "lr-find.png"), $"lr-find ({options.Strategy}, {backbone.InputSize}px)", "log10(head learning rate)", "smoothed training loss",
            sweep.LearningRates.Select(Math.Log10).ToArray(), sweep.Losses,
            new[] { (Math.Log10(sweep.Steepest), $"steepest {sweep.Steepest:G2}"), (Math.Log10(sweep.MinimumOverTen), $"min/10 {sweep.MinimumOverTen:G2}") });
        return sweep;
    }
}
