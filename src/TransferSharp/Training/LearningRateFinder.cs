using TransferSharp.Progress;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>The outcome of a learning-rate sweep.</summary>
/// <param name="LearningRates">The head's rate at each step.</param>
/// <param name="Losses">The smoothed training loss at each step.</param>
/// <param name="Steepest">The rate where the smoothed loss falls fastest (per log-rate): the suggestion.</param>
/// <param name="MinimumOverTen">A tenth of the rate at the loss minimum (a common, conservative choice).</param>
public sealed record LearningRateSweep(double[] LearningRates, double[] Losses, double Steepest, double MinimumOverTen);

/// <summary>
/// The learning-rate range test (Smith 2017; fastai's lr_find): the rate grows exponentially over a short run
/// while the loss is recorded; the model's weights are restored afterwards.
/// </summary>
public static class LearningRateFinder
{
    /// <summary>Sweeps from <paramref name="start"/> to <paramref name="end"/> (head rate; other groups keep their ratios).</summary>
    public static LearningRateSweep Run(TransferModel model, ImageStore train, IStrategyPlan plan, TrainingOptions options, Device device, IProgressSink progress,
        double start = 1e-7, double end = 10, int steps = 100)
    {
        var snapshot = model.Snapshot();
        try
        {
            Freezer.Apply(model, plan.Next(0, new TrainingHistory()).Modes);
            double[] ratios = options.GroupRates(model.Groups.Count).Select(r => r / options.LearningRate).ToArray();
            var groups = model.Groups.Select(g => new TorchSharp.Modules.AdamW.ParamGroup(g.All, start * ratios[g.Index], weight_decay: 0)).ToList();
            using var optimizer = optim.AdamW(groups, start);
            var random = new Random(options.Seed);
            var rates = new List<double>();
            var losses = new List<double>();
            double smoothed = 0, best = double.MaxValue;
            model.Train(true);
            using var task = progress.Begin("lr-find: sweeping the learning rate", steps);
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                double rate = start * Math.Pow(end / start, (double)step / (steps - 1));
                int g = 0;
                foreach (var group in optimizer.ParamGroups) group.LearningRate = rate * ratios[g++];
                long[] rows = Enumerable.Range(0, options.BatchSize).Select(_ => (long)random.Next(train.Count)).ToArray();
                Tensor index = tensor(rows);
                Tensor x = options.Augmentation.Apply(train.Batch(model.Backbone, index, device), random);
                Tensor loss = F.cross_entropy(model.Forward(x), train.Labels.index_select(0, index).to(device));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                double value = loss.item<float>();
                smoothed = 0.98 * smoothed + 0.02 * value;
                double debiased = smoothed / (1 - Math.Pow(0.98, step + 1));
                rates.Add(rate);
                losses.Add(debiased);
                best = Math.Min(best, debiased);
                task.Advance(1);
                if (!double.IsFinite(debiased) || (step > 10 && debiased > 4 * best)) break;
            }
            int minimum = losses.IndexOf(losses.Where(double.IsFinite).Min());
            int steepest = 1;
            double slope = double.MaxValue;
            for (int i = 1; i < minimum; i++)
            {
                double s = (losses[i] - losses[i - 1]) / (Math.Log(rates[i]) - Math.Log(rates[i - 1]));
                if (s < slope) { slope = s; steepest = i; }
            }
            return new LearningRateSweep(rates.ToArray(), losses.ToArray(), rates[Math.Min(steepest, rates.Count - 1)], rates[minimum] / 10);
        }
        finally
        {
            model.Restore(snapshot);
            foreach (var t in snapshot.Values) t.Dispose();
        }
    }
}
