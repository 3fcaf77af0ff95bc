// Label-shift benchmark (issue 5): a source model trained at 100 labels per class; targets drawn from the 10k test set
// with
// class priors from Dirichlet(alpha); prior estimation error (BBSE hard, BBSE soft, EM+BCTS) and accuracy before the
// correction, after it, and with the oracle priors.
// Usage: dotnet run -c Release --project bench/LabelShift -- RUN TEST_DATA [RESULTS.jsonl] [seeds]
// Env CALIBRATION=bcts (default) | ts | none | oracle (BCTS fitted on the test set itself: an upper bound, for ablation
// only).
using System.Globalization;
using System.Text.Json;
using MathNet.Numerics.Distributions;
using TransferSharp.Analysis;
using TransferSharp.Data;
using TransferSharp.Runs;
using TransferSharp.Training;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: LabelShiftBench RUN TEST_DATA [RESULTS.jsonl] [seeds]");
    return 2;
}
string run = args[0],
    testPath = args[1];
string results = args.Length > 2 ? args[2] : "bench/results/labelshift.jsonl";
int seeds = args.Length > 3 ? int.Parse(args[3]) : 20;

using SavedModel model = SavedModel.Load(run);
CalibrationSet validation = CalibrationSet.Load(run);
ImageDataset test = DatasetLoader.Load(testPath, DatasetRole.Test);
Console.WriteLine(
    $"model {run} ({model.Manifest.Strategy}, {validation.Labels.Length} held-out calibration rows); test "
        + $"{test.Count} images"
);
ModelOutputs outputs = Predictor.Outputs(
    model,
    test.Items.Select(i => i.Source).ToList(),
    new ConsoleLines(),
    cacheDirectory: TransferSharp.IO.CacheLocation.Default()
);
int[] labels = outputs.Kept.Select(k => test.Items[k].Label).ToArray();
int classes = validation.Classes;

// DUMP: the test set's log-probabilities and labels, for analysis outside.
if (Environment.GetEnvironmentVariable("DUMP") is { Length: > 0 } dump)
    File.WriteAllText(dump, JsonSerializer.Serialize(new { labels, log_probabilities = outputs.LogProbabilities }));
double[] source = validation.SourcePriors;
var byClass = Enumerable
    .Range(0, classes)
    .Select(c => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).ToArray())
    .ToArray();

// The calibration is the same for every target (fitted on the held-out source predictions).
Calibration bcts = Environment.GetEnvironmentVariable("CALIBRATION") switch
{
    "oracle" => Calibration.FitBiasCorrected(
        outputs.LogProbabilities,
        outputs.Kept.Select(k => test.Items[k].Label).ToArray()
    ),
    "none" => Calibration.Identity(validation.Classes),
    "ts" => Calibration.FitTemperature(validation.LogProbabilities, validation.Labels),
    _ => Calibration.FitBiasCorrected(validation.LogProbabilities, validation.Labels),
};
double[][] calibrated = bcts.Probabilities(outputs.LogProbabilities);
double[][] uncorrected = outputs.LogProbabilities.Select(r => r.Select(Math.Exp).ToArray()).ToArray();
Console.WriteLine(
    $"BCTS: temperature {bcts.Temperature:F3}; model accuracy on the balanced test set "
        + $"{Accuracy(Enumerable.Range(0, labels.Length).ToArray(), uncorrected):F4}"
);

var lines = new List<string>();
var settings = new List<(string name, double? alpha, int n)>();
foreach (double alpha in new[] { 0.1, 1, 10 })
foreach (int n in new[] { 500, 2000 })
    settings.Add(($"dirichlet({alpha})", alpha, n));
settings.Add(("no-shift", null, 2000));
Console.WriteLine(
    "| target priors | n | L1 BBSE-hard | L1 BBSE-soft | L1 EM+BCTS | acc before | acc after (EM+BCTS) | acc oracle "
        + "| gain recovered |"
);
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
foreach (var (name, alpha, n) in settings)
{
    var rows = new List<Dictionary<string, double>>();
    for (int seed = 0; seed < seeds; seed++)
    {
        var random = new Random(1000 * seed + n + (int)((alpha ?? 0) * 10));
        double[] priors = alpha is { } a
            ? new Dirichlet(Enumerable.Repeat(a, classes).ToArray(), random).Sample()
            : (double[])source.Clone();
        int[] counts = new Multinomial(priors, n, random).Sample();
        var picked = new List<int>();
        for (int c = 0; c < classes; c++)
        {
            int[] pool = byClass[c].OrderBy(_ => random.Next()).ToArray();
            for (int k = 0; k < counts[c]; k++)
                picked.Add(pool[k % pool.Length]); // beyond the pool: with replacement
        }
        int[] idx = picked.ToArray();
        double[] truth = LabelShift.Frequencies(idx.Select(i => labels[i]), classes);
        double[][] targetLog = idx.Select(i => outputs.LogProbabilities[i]).ToArray();
        double[][] targetCal = idx.Select(i => calibrated[i]).ToArray();
        PriorEstimate hard = LabelShift.Bbse(validation, targetLog, soft: false);
        PriorEstimate soft = LabelShift.Bbse(validation, targetLog, soft: true, bcts);
        PriorEstimate em = LabelShift.ExpectationMaximization(targetCal, source);
        double[][] raw = targetLog.Select(r => r.Select(Math.Exp).ToArray()).ToArray();
        rows.Add(
            new()
            {
                ["l1_bbse_hard"] = LabelShift.L1(hard.Priors, truth),
                ["l1_bbse_soft"] = LabelShift.L1(soft.Priors, truth),
                ["l1_em_bcts"] = LabelShift.L1(em.Priors, truth),
                ["acc_before"] = Accuracy(idx, raw),
                ["acc_after"] = Accuracy(idx, LabelShift.Adjust(targetCal, em.Weights)),
                ["acc_oracle"] = Accuracy(idx, LabelShift.Adjust(targetCal, LabelShift.WeightsFor(truth, source))),
            }
        );
    }
    double Mean(string key) => rows.Average(r => r[key]);
    double gain = Mean("acc_oracle") - Mean("acc_before");
    double recovered = gain > 0 ? (Mean("acc_after") - Mean("acc_before")) / gain : double.NaN;
    Console.WriteLine(
        $"| {name} | {n} | {Mean("l1_bbse_hard"):F4} | {Mean("l1_bbse_soft"):F4} | {Mean("l1_em_bcts"):F4} | "
            + $"{Mean("acc_before"):F4} | {Mean("acc_after"):F4} | {Mean("acc_oracle"):F4} | "
            + $"{(double.IsNaN(recovered) ? "-" : recovered.ToString("P1"))} |"
    );
    lines.Add(
        JsonSerializer.Serialize(
            new
            {
                model = run,
                calibration = Environment.GetEnvironmentVariable("CALIBRATION") ?? "bcts",
                strategy = model.Manifest.Strategy,
                input_size = model.Manifest.InputSize,
                calibration_rows = validation.Labels.Length,
                target = name,
                alpha,
                n,
                seeds,
                l1_bbse_hard = Mean("l1_bbse_hard"),
                l1_bbse_soft = Mean("l1_bbse_soft"),
                l1_em_bcts = Mean("l1_em_bcts"),
                acc_before = Mean("acc_before"),
                acc_after = Mean("acc_after"),
                acc_oracle = Mean("acc_oracle"),
                gain_recovered = double.IsNaN(recovered) ? (double?)null : recovered,
                acc_change_max_abs = rows.Max(r => Math.Abs(r["acc_after"] - r["acc_before"])),
            }
        )
    );
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(results))!);
File.AppendAllLines(results, lines);
Console.WriteLine($"{lines.Count} lines appended to {results}");
return 0;

double Accuracy(int[] idx, double[][] probabilities) =>
    idx.Select((i, r) => ModelEvaluation.ArgMax(probabilities[r]) == labels[i] ? 1.0 : 0).Average();

sealed class ConsoleLines : IProgress<TransferSharp.Progress.ProgressUpdate>
{
    public void Report(TransferSharp.Progress.ProgressUpdate update)
    {
        if (update.Kind == TransferSharp.Progress.ProgressKind.Message)
            Console.Error.WriteLine(update.Text);
        else if (
            update.Kind == TransferSharp.Progress.ProgressKind.Advanced
            && (update.Completed == update.Total || update.Completed % 1000 == 0)
        )
            Console.Error.WriteLine($"{update.Text}: {update.Completed}/{update.Total}");
    }
}
