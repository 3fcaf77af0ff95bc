using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using TorchSharp;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Engine;
using TransferSharp.Progress;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.FeatureExtraction;
using static TorchSharp.torch;

namespace TransferSharp.Learning;

/// <summary>
/// Auto with a preset (AutoGluon's shape): the advice, then candidates cheapest first, each a complete fit; a later one
/// replaces the best so far only when it wins on validation beyond noise (<see cref="AutoDecision.PilotMargin"/>).
/// Under a time limit each candidate is planned from this machine's measured speeds (skipped when it cannot finish,
/// network epochs cut to the time left) and stopped if it runs past the limit; the best finished one is kept.
/// </summary>
internal static class PresetSearch
{
    public const string Rule =
        "candidates run cheapest first; a later one replaces the best so far only when its validation accuracy is "
        + "higher by more than one standard error of the difference, sqrt((a(1-a) + b(1-b)) / n) on n validation "
        + "images";

    // Seconds a feature-extraction candidate spends beyond its frozen pass (head path, out-of-fold fits) until one has
    // been measured, and the decode and resize share of a frozen pass over the forward pass alone: both measured on 2
    // cores at 112 px.
    private const double HeadSeconds = 5;
    private const double DecodeFactor = 1.3;

    public static FitResult Run(
        TransferLearner learner,
        AutoOptions auto,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation
    )
    {
        var watch = Stopwatch.StartNew();
        AutoPreset preset = auto.Preset ?? AutoPreset.Balanced;
        if (learner.Options.Checkpoints is { Resume: true })
            progress.Info("resuming: a preset run keeps no checkpoints of its candidates; training from the beginning");
        LearnerData data = learner.LoadData(progress);
        int? imageSide = AdviceMeasurements.ImageSide(data.Train);
        LearnerOptions options = AutoDecision.WithAdvisedSize(learner.Options, imageSide, progress);
        var (advice, distance, speeds, intermediateSpeeds, lastGroup) = Advise(
            options,
            auto,
            data,
            imageSide,
            auto.TimeLimit is not null,
            progress
        );
        var plan = Plan(options, auto, advice, preset, lastGroup);
        // Everything stops at the limit, less a moment to save the run.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        // A deadline already past cancels now: CancelAfter's timer fires on the thread pool, which a busy machine can
        // keep waiting while a first candidate runs to its end.
        if (auto.TimeLimit is { } limit)
        {
            TimeSpan until = Until(limit, watch);
            if (until > TimeSpan.Zero)
                deadline.CancelAfter(until);
            else
                deadline.Cancel();
        }
        // Seconds per image of a frozen pass, decode included: the profile's forward pass at first, then what the
        // candidates' own extraction measured (on the engine and layers it used).
        double frozen = speeds is null ? 0 : speeds.ForwardSeconds * DecodeFactor;
        progress.Info(
            $"preset {Name(preset)}: {plan.Count} candidates ({string.Join(", ", plan.Select(c => c.name))})"
                + (auto.TimeLimit is { } t ? $" within {t.TotalSeconds:F0} s" : "")
        );
        var records = new List<CandidateReport>();
        // Every finished candidate, kept for the ensemble (the best's entry shares its model).
        var finished = new List<(string name, FitResult result)>();
        int bestIndex = -1;
        var cached = new HashSet<string>(StringComparer.Ordinal);
        double? headPerCell = null;
        FitResult? best = null;
        CandidateReport? bestRecord = null;
        PresetReport Record(string? winner, bool tested, string? untested = null) =>
            new()
            {
                Preset = Name(preset),
                TimeLimitSeconds = auto.TimeLimit?.TotalSeconds,
                Candidates = records.ToList(),
                Winner = winner,
                Rule = Rule,
                Speeds = speeds,
                IntermediateSpeeds = intermediateSpeeds,
                TestedAfterSearch = tested,
                TestSkipped = untested,
            };
        foreach (var (name, candidate) in plan)
        {
            if (cancellation.IsCancellationRequested)
                break;
            // Time is kept for the test pass of a frozen-feature winner while it can still fit (else the time goes to
            // candidates, and the run is saved without a test score); the first candidate always runs.
            double reserve =
                best is null || best.Options.Strategy is FeatureExtractionOptions ? TestReserve(data, frozen) : 0;
            if (auto.TimeLimit is { } budget && watch.Elapsed.TotalSeconds + reserve > budget.TotalSeconds)
                reserve = 0;
            double left = auto.TimeLimit is { } l
                ? (l - watch.Elapsed).TotalSeconds - reserve
                : double.PositiveInfinity;
            // A frozen candidate whose pooling an earlier one cached costs only its head.
            bool cachedPass =
                candidate.Strategy is FeatureExtractionOptions f && cached.Contains(Pooling(f, f.FeatureGrid));
            var (planned, estimate) = Budget(
                candidate,
                data,
                candidate.Strategy is FineTuningOptions { Features: not null } ? intermediateSpeeds ?? speeds : speeds,
                cachedPass ? 0 : frozen,
                headPerCell,
                best is null ? double.PositiveInfinity : left
            );
            if (planned is null)
            {
                string why = $"needs about {estimate:F0} s, {Math.Max(0, left):F0} s left before the final test pass";
                records.Add(Entry(name, candidate, estimate, null, null, "skipped", why));
                progress.Info($"candidate {name}: skipped ({why})");
                continue;
            }
            progress.Info($"candidate {records.Count + 1}/{plan.Count}: {name}");
            var candidateWatch = Stopwatch.StartNew();
            FitResult result;
            try
            {
                result = new TransferLearner(planned!).Fit(progress, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                records.Add(
                    Entry(name, planned!, estimate, candidateWatch, null, "stopped", "the time limit was reached")
                );
                progress.Info($"candidate {name}: stopped by the time limit");
                break;
            }
            if (result.Options.Strategy is FeatureExtractionOptions done)
            {
                if (result.Report.ImagesPerSecondExtraction > 0)
                    frozen = 1 / result.Report.ImagesPerSecondExtraction.Value;
                // The head's seconds per grid cell (its width grows with the cells): what the next grid will cost.
                headPerCell =
                    Math.Max(0, candidateWatch.Elapsed.TotalSeconds - (result.Report.SecondsExtraction ?? 0))
                    / (done.FeatureGrid * done.FeatureGrid);
                if (result.Options.Data.UseCache)
                    cached.UnionWith(done.CacheGrids.Append(done.FeatureGrid).Select(g => Pooling(done, g)));
            }
            double accuracy = result.Report.ValAccuracy ?? double.NaN;
            int n = data.ValidationRows.Length;
            bool better =
                best is null
                || accuracy - bestRecord!.ValAccuracy!.Value
                    > AutoDecision.PilotMargin(bestRecord.ValAccuracy!.Value, accuracy, n);
            string reason =
                best is null ? "the first to finish"
                : better ? $"beats {bestRecord!.Name} ({bestRecord.ValAccuracy:F4}) beyond the noise of {n} images"
                : $"does not beat {bestRecord!.Name} ({bestRecord.ValAccuracy:F4}) beyond the noise of {n} images";
            var record = Entry(
                name,
                planned!,
                estimate,
                candidateWatch,
                accuracy,
                better ? "best" : "not-better",
                reason
            );
            records.Add(record);
            progress.Info($"candidate {name}: val accuracy {accuracy:F4}; {reason}");
            if (auto.Ensemble)
                finished.Add((name, result));
            if (!better)
            {
                if (!auto.Ensemble)
                    result.Dispose();
                continue;
            }
            if (!auto.Ensemble)
                best?.Dispose();
            bestIndex = finished.Count - 1;
            (best, bestRecord) = (Stamped(result, Record(name, false), advice, watch), record);
            learner.BestSoFar?.Invoke(best);
        }
        if (best is null)
        {
            cancellation.ThrowIfCancellationRequested();
            double cheapest = records.Select(r => r.EstimatedSeconds ?? 0).DefaultIfEmpty(0).Min();
            throw new OptionException(
                $"{nameof(AutoOptions)}.{nameof(AutoOptions.TimeLimit)}",
                auto.TimeLimit,
                $"too short: no candidate could finish (advice and speeds took {watch.Elapsed.TotalSeconds:F0} s, the "
                    + $"cheapest candidate needs about {cheapest:F0} s and the test pass "
                    + $"{TestReserve(data, frozen):F0} s); give at least "
                    + $"{Math.Ceiling(watch.Elapsed.TotalSeconds + cheapest):F0} s (the test pass then scored by "
                    + "`transfersharp evaluate`)."
            );
        }
        double? secondsLeft = auto.TimeLimit is { } end ? (end - watch.Elapsed).TotalSeconds : null;
        var final = new FinalPass(
            learner,
            data,
            distance,
            secondsLeft,
            TestReserve(data, frozen),
            deadline.Token,
            cancellation
        );
        FitResult tested = Tested(
            best,
            bestRecord!,
            final,
            progress,
            (r, why) => Record(bestRecord!.Name, r, why),
            advice,
            watch
        );
        if (finished.Count < 2)
            return tested;
        var ensembled = Ensembled(tested, bestIndex, finished, final, progress);
        return Stamped(ensembled, ensembled.Report.Preset!, advice, watch);
    }

    /// <summary>
    /// The ensemble of the finished candidates (<see cref="EnsembleSelection"/>) on the held-out images they share,
    /// with <paramref name="tested"/> (the best single one, candidate <paramref name="primary"/>) at the top level;
    /// kept only when the guard says so. Its test score comes from the members' test predictions (a frozen-feature
    /// member's test pass runs now, until the time limit's deadline). Candidates left out are released.
    /// </summary>
    private static FitResult Ensembled(
        FitResult tested,
        int primary,
        List<(string name, FitResult result)> finished,
        FinalPass final,
        IProgress<ProgressUpdate>? progress
    )
    {
        var sets = finished.Select((f, i) => i == primary ? tested.HeldOut : f.result.HeldOut).ToList();
        PresetReport preset = tested.Report.Preset!;
        var picked = new List<int>();
        try
        {
            if (sets.Any(s => s.Ids is null))
            {
                progress.Info("ensemble: not fitted (a candidate's held-out predictions have no image ids)");
                return tested;
            }
            var rows = sets.Select(s => RowsById(s.Ids!)).ToList();
            string[] common = sets[primary].Ids!.Where(id => rows.All(r => r.ContainsKey(id))).ToArray();
            if (common.Length < MinimumEnsembleRows)
            {
                progress.Info($"ensemble: not fitted ({common.Length} held-out images shared by the candidates)");
                return tested;
            }
            int[] labels = common.Select(id => sets[primary].Labels[rows[primary][id]]).ToArray();
            var logs = sets.Select((s, m) => common.Select(id => s.LogProbabilities[rows[m][id]]).ToArray()).ToList();
            var names = finished.Select(f => f.name).ToList();
            var (report, weights, mixed) = EnsembleSelection.Fit(names, logs, labels, primary);
            progress.Info($"ensemble: {(report.Kept ? "kept" : "not kept")}; {report.Reason}");
            if (!report.Kept)
                return tested.WithReport(tested.Report with { Preset = preset with { Ensemble = report } });
            picked = Enumerable.Range(0, finished.Count).Where(m => weights[m] > 0 && m != primary).ToList();
            var members = new List<(string name, FitResult? result, double weight)>
            {
                (names[primary], null, weights[primary]),
            };
            members.AddRange(picked.Select(m => (names[m], (FitResult?)finished[m].result, weights[m])));
            var (test, skipped) = TestPredictions(tested, members, final, progress);
            double? single = tested.Test?.Accuracy();
            var classes = tested.Model.Manifest.ClassNames;
            var scored = test is null ? null : Training.ClassificationReport.From(test, classes);
            report = report with
            {
                TestAccuracy = scored is null ? null : Math.Round(scored.Accuracy, 4),
                SingleTestAccuracy = single is { } a ? Math.Round(a, 4) : null,
            };
            if (scored is not null)
                progress.Info($"ensemble: test accuracy {scored.Accuracy:F4} (single {names[primary]}: {single:F4})");
            var fitReport = tested.Report with
            {
                Strategy = EnsembleName,
                ValAccuracy = report.ValAccuracy,
                ValLoss = report.ValLoss,
                TestAccuracy = report.TestAccuracy,
                TestPerClassAccuracy = scored?.PerClassAccuracy,
                Preset = preset with
                {
                    Winner = EnsembleName,
                    Ensemble = report,
                    TestSkipped = skipped ?? (scored is null ? preset.TestSkipped : null),
                },
            };
            var heldOut = new Analysis.CalibrationSet(labels, mixed, tested.HeldOut.SourcePriors, common);
            return FitResult.Ensembled(tested, members, fitReport, heldOut, test);
        }
        finally
        {
            for (int m = 0; m < finished.Count; m++)
                if (m != primary && !picked.Contains(m))
                    finished[m].result.Dispose();
        }
    }

    // Each image id's first row (a data list may name a file twice).
    private static Dictionary<string, int> RowsById(string[] ids)
    {
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < ids.Length; r++)
            rows.TryAdd(ids[r], r);
        return rows;
    }

    /// <summary>The name of a kept ensemble in the record.</summary>
    public const string EnsembleName = "ensemble";

    // Fewest held-out images the weights are fitted on.
    private const int MinimumEnsembleRows = 20;

    // The ensemble's test predictions: the members' own where they scored the test images, a pass of the member's
    // model otherwise (a frozen member's features are often in the cache already; under a limit the pass stops at
    // the deadline, and the run is saved without a test score, with the reason).
    private static (Training.PredictionSet? test, string? skipped) TestPredictions(
        FitResult tested,
        IReadOnlyList<(string name, FitResult? result, double weight)> members,
        FinalPass final,
        IProgress<ProgressUpdate>? progress
    )
    {
        if (final.Data.Test is not { } images)
            return (null, null);
        // The best single model's own test pass did not fit in the time left: the members' passes would not either.
        if (tested.Test is null)
            return (null, tested.Report.Preset?.TestSkipped);
        string[] ids = images.Items.Select(i => i.Source.Id).ToArray();
        var own = members.Select(m => (m.result ?? tested).Test).ToList();
        bool Scored(Training.PredictionSet? p) => p is not null && p.Ids.Length > 0;
        // By id: an image the fit left out as undecodable is left out of every member's predictions.
        var byId = new List<Dictionary<string, double[]>>();
        for (int m = 0; m < members.Count; m++)
        {
            string[] scoredIds;
            double[][] logs;
            if (Scored(own[m]))
                (scoredIds, logs) = (own[m]!.Ids, own[m]!.LogProbabilities);
            else
            {
                progress.Info($"ensemble: test pass of {members[m].name}");
                SavedModel model = (members[m].result ?? tested).Model;
                // The prediction path runs on the CPU; a candidate may have trained on a GPU.
                model.Backbone.Network.to(CPU);
                model.Head.to(CPU);
                var sources = images.Items.Select(i => i.Source).ToList();
                var cache = final.Learner.Options.Data.ResolveCacheDirectory();
                ModelOutputs outputs;
                try
                {
                    outputs = Predictor.Outputs(
                        model,
                        sources,
                        progress,
                        skipBad: true,
                        cacheDirectory: cache,
                        cancellation: final.Deadline
                    );
                }
                catch (OperationCanceledException) when (!final.Cancellation.IsCancellationRequested)
                {
                    string why =
                        "the ensemble's test pass was stopped by the time limit; "
                        + "transfersharp evaluate RUN --data TEST scores it";
                    progress.Info($"ensemble: {why}");
                    return (null, why);
                }
                (scoredIds, logs) = (outputs.Kept.Select(i => ids[i]).ToArray(), outputs.LogProbabilities);
            }
            byId.Add(RowsById(scoredIds).ToDictionary(x => x.Key, x => logs[x.Value]));
        }
        var rows = Enumerable.Range(0, ids.Length).Where(r => byId.All(d => d.ContainsKey(ids[r]))).ToArray();
        double[][] log = Training.Inference.MixProbabilities(
            byId.Select(d => rows.Select(r => d[ids[r]]).ToArray()).ToList(),
            members.Select(m => m.weight).ToList()
        );
        int[] labels = rows.Select(r => images.Items[r].Label).ToArray();
        ids = rows.Select(r => ids[r]).ToArray();
        return (new Training.PredictionSet(ids, labels, log), null);
    }

    private sealed record FinalPass(
        TransferLearner Learner,
        LearnerData Data,
        DomainDistanceResult? Distance,
        double? SecondsLeft,
        double Estimate,
        CancellationToken Deadline,
        CancellationToken Cancellation
    );

    // Feature extraction's candidates ran without the test images and the analyses: the kept one is fitted again with
    // them (its features come from the cache and its head is reused, so only the test pass and the analyses cost).
    // Under a limit the pass runs only when it fits (else the kept run has no test score, and says how to get one) and
    // stops at the limit.
    private static FitResult Tested(
        FitResult best,
        CandidateReport record,
        FinalPass final,
        IProgress<ProgressUpdate>? progress,
        Func<bool, string?, PresetReport> report,
        Advice advice,
        Stopwatch watch
    )
    {
        if (best.Options.Strategy is not FeatureExtractionOptions)
            return Stamped(best, report(false, null), advice, watch);
        bool test = final.Data.Test is not null;
        const string later = "transfersharp evaluate RUN --data TEST scores it";
        if (final.SecondsLeft is { } left && final.Estimate > left)
        {
            string why =
                $"the test pass and the analyses need about {final.Estimate:F0} s, {left:F0} s were left; {later}";
            progress.Info($"{record.Name}: {why}");
            return Stamped(best, report(false, test ? why : null), advice, watch);
        }
        progress.Info($"{record.Name}: " + (test ? "the analyses and the test images" : "the analyses"));
        FitResult tested;
        try
        {
            tested = new TransferLearner(
                best.Options with
                {
                    Data = best.Options.Data with { Test = TestImages(final.Learner.Options.Data) },
                    Analyses = final.Learner.Options.Analyses,
                }
            )
            {
                FittedProbe = best.FittedProbe,
                MeasuredDistance = final.Distance,
            }.Fit(progress, final.Deadline);
        }
        catch (OperationCanceledException) when (!final.Cancellation.IsCancellationRequested)
        {
            string why = $"the test pass was stopped by the time limit; {later}";
            progress.Info($"{record.Name}: {why}");
            return Stamped(best, report(false, test ? why : null), advice, watch);
        }
        best.Dispose();
        return Stamped(tested, report(test, null), advice, watch);
    }

    private static string? TestImages(Data.DataOptions asked) =>
        asked.Test ?? (asked.Train is null ? Data.EmbeddedData.TestImages : null);

    private static FitResult Stamped(FitResult result, PresetReport preset, Advice advice, Stopwatch watch) =>
        result.WithReport(
            result.Report with
            {
                Advice = FitResult.AdviceEntry(advice),
                Preset = preset,
                SecondsTotal = Math.Round(watch.Elapsed.TotalSeconds, 3),
            }
        );

    // The advice, its domain distance (measured on the labelled images: the final pass records it), the speeds (of
    // the whole network, and of the network up to the advised layers when they are intermediate).
    private static (
        Advice advice,
        DomainDistanceResult? distance,
        SpeedProfile? speeds,
        SpeedProfile? intermediateSpeeds,
        string lastGroup
    ) Advise(
        LearnerOptions options,
        AutoOptions auto,
        LearnerData data,
        int? imageSide,
        bool measureSpeeds,
        IProgress<ProgressUpdate>? progress
    )
    {
        using var backbone = Backbone.Load(
            options.Model.Backbone,
            options.Model.Size,
            preprocessing: options.Model.Preprocessing
        );
        var (inputs, distance, _) = AdviceMeasurements.Measure(backbone, data.Train, progress, imageSide: imageSide);
        Advice advice = StrategyAdvisor.Advise(inputs);
        progress.Info($"advice: {advice.Strategy.Name}. {advice.Explanation}");
        string lastGroup = backbone.Network.Groups[^1].Name;
        if (!measureSpeeds)
            return (advice, distance, null, null, lastGroup);
        var device = TorchRuntime.ResolveDevice(options.Model.Device);
        string? cache = options.Data.ResolveCacheDirectory();
        SpeedProfile speeds = SpeedProfile.For(backbone, options.Model, device, cache);
        IReadOnlyList<string>? layers = auto.Features ?? advice.FeatureLayers;
        SpeedProfile? intermediate = Intermediate(layers, lastGroup)
            ? SpeedProfile.For(backbone, options.Model, device, cache, layers)
            : null;
        progress.Info(
            $"speeds at {backbone.InputSize} px: {1 / speeds.ForwardSeconds:F0} images/s frozen, "
                + $"{1 / speeds.StepSeconds:F0} images/s training"
                + (
                    intermediate is null
                        ? ""
                        : $" ({1 / intermediate.StepSeconds:F0} with the head on {string.Join(",", layers!)})"
                )
        );
        return (advice, distance, speeds, intermediate, lastGroup);
    }

    /// <summary>The candidates of <paramref name="preset"/>, cheapest first.</summary>
    public static List<(string name, LearnerOptions options)> Plan(
        LearnerOptions options,
        AutoOptions auto,
        Advice advice,
        AutoPreset preset,
        string lastGroup
    )
    {
        var plan = new List<(string, LearnerOptions)>();
        // Candidates are fitted without the test images; feature extraction's winner scores them afterwards.
        LearnerOptions frozen = AutoDecision.Chosen(options, auto, StrategyRegistry.FeatureExtraction, advice);
        // Train named explicitly: with no training set named, the embedded subset brings its own test images.
        var untested = frozen.Data with
        {
            Train = frozen.Data.Train ?? Data.EmbeddedData.TrainImages,
            Test = null,
        };
        // The analyses (domain distance, filters) describe the backbone, not the candidate: the kept one runs them.
        frozen = frozen with
        {
            Data = untested,
            Checkpoints = null,
            Analyses = new AnalysisOptions
            {
                DomainDistance = false,
                Filters = false,
                Frequency = false,
            },
        };
        var features = (FeatureExtractionOptions)frozen.Strategy;
        // A 2 x 2 grid keeps where a pattern sits (issue 6: +1.6 points at stage3 on Fashion-MNIST); best adds 3 x 3
        // (0.8766 alone at 112 px, the best frozen features measured). Each frozen pass also caches the other
        // poolings, so the backbone runs once per image for all of them (and for the ensemble's test).
        bool intermediate = Intermediate(features.Features, lastGroup);
        int[] grids =
            auto.FeatureGrid > 1 ? [auto.FeatureGrid]
            : preset == AutoPreset.Best ? [1, 2, 3]
            : [1, 2];
        if (auto.FeatureGrid == 1 && intermediate)
        {
            foreach (int g in grids)
            {
                var pooled = features with { FeatureGrid = g, CacheGrids = grids.Where(o => o != g).ToArray() };
                plan.Add((FrozenName(pooled), frozen with { Strategy = pooled }));
            }
        }
        else
            plan.Add((FrozenName(features), frozen));
        if (preset == AutoPreset.Fast)
            return plan;
        var network = new List<StrategyDescriptor>();
        network.Add(advice.Strategy == StrategyRegistry.FeatureExtraction ? StrategyRegistry.LpFt : advice.Strategy);
        if (preset == AutoPreset.Best)
            network.Add(
                advice.Alternatives.FirstOrDefault(a => a != StrategyRegistry.FeatureExtraction && !network.Contains(a))
                    ?? StrategyRegistry.FineTune
            );
        foreach (StrategyDescriptor strategy in network)
        {
            LearnerOptions chosen = AutoDecision.Chosen(options, auto, strategy, advice) with { Checkpoints = null };
            // The head of a fine-tuning candidate reads the advised intermediate layers on the preset's largest grid,
            // as the frozen candidates do: it starts higher, and the later groups cost nothing (the suite's
            // 100-per-class tasks: LP-FT from stage3 on a 2x2 grid +1.45 points on average, 1.7-2.7x faster).
            // Layers named that are only the last group: the whole network's head, as before.
            if (chosen.Strategy is FineTuningOptions tuning && (intermediate || auto.Features is not null))
                chosen = chosen with
                {
                    Strategy = intermediate
                        ? tuning with
                        {
                            Features = features.Features,
                            FeatureGrid = grids[^1],
                        }
                        : tuning with
                        {
                            Features = null,
                            FeatureGrid = 1,
                        },
                };
            if (preset == AutoPreset.Best)
            {
                int epochs = strategy.Create(chosen.Strategy).Settings(chosen.Training, chosen.Seed).Epochs;
                chosen = chosen with { Training = chosen.Training with { Epochs = (int)Math.Ceiling(epochs * 1.5) } };
            }
            plan.Add((NetworkName(strategy, chosen.Strategy), chosen));
        }
        // best: the first network strategy again under another seed (same split), a member for the ensemble.
        if (preset == AutoPreset.Best && auto.Ensemble)
        {
            var (name, first) = plan.First(c => StrategyRegistry.Of(c.Item2.Strategy) == network[0]);
            var seeded = first with { Seed = first.Seed + 1, Data = first.Data with { SplitSeed = first.Seed } };
            plan.Add(($"{name} seed {seeded.Seed}", seeded));
        }
        return plan;
    }

    // Whether these layers (null: the last group) include one before the last group.
    private static bool Intermediate([NotNullWhen(true)] IReadOnlyList<string>? layers, string lastGroup) =>
        layers is not null && layers.Any(l => l != lastGroup);

    private static string NetworkName(StrategyDescriptor strategy, StrategyOptions options) =>
        options is FineTuningOptions { Features: { } layers } tuning
            ? Named(strategy, layers, tuning.FeatureGrid)
            : strategy.Name;

    private static string Pooling(FeatureExtractionOptions features, int grid) =>
        $"{string.Join(",", features.Features ?? [])}|{grid}";

    private static string FrozenName(FeatureExtractionOptions features) =>
        Named(StrategyRegistry.FeatureExtraction, features.Features ?? ["last"], features.FeatureGrid);

    private static string Named(StrategyDescriptor strategy, IEnumerable<string> layers, int grid) =>
        $"{strategy.Name}@{string.Join("+", layers)}" + (grid > 1 ? $" grid {grid}" : "");

    // The candidate as it can run in the time left (network epochs cut to what fits; null when not even one epoch or
    // the frozen pass fits) and its estimated seconds.
    private static (LearnerOptions? options, double seconds) Budget(
        LearnerOptions candidate,
        LearnerData data,
        SpeedProfile? speeds,
        double frozen,
        double? headPerCell,
        double left
    )
    {
        if (speeds is null)
            return (candidate, 0);
        int labelled = data.TrainRows.Length + data.ValidationRows.Length;
        double frozenPass = labelled * frozen;
        if (candidate.Strategy is FeatureExtractionOptions pooled)
        {
            double head = headPerCell is { } cell ? cell * pooled.FeatureGrid * pooled.FeatureGrid : HeadSeconds;
            return (frozenPass + head <= left ? candidate : null, frozenPass + head);
        }
        var descriptor = StrategyRegistry.Of(candidate.Strategy);
        int epochs = descriptor.Create(candidate.Strategy).Settings(candidate.Training, candidate.Seed).Epochs;
        double epoch =
            (data.TrainRows.Length * speeds.StepSeconds + data.ValidationRows.Length * speeds.ForwardSeconds)
            * DecodeFactor;
        double fixedCost =
            (data.Test?.Count ?? 0) * frozen + (descriptor == StrategyRegistry.LpFt ? frozenPass + HeadSeconds : 0);
        // LP-FT's conv1x1 adapter stage costs about an epoch per epoch.
        bool adapterStage =
            candidate.Model.Adapter == Adapters.AdapterKind.Conv1x1 && descriptor == StrategyRegistry.LpFt;
        double Cost(int e) =>
            fixedCost + (e + (adapterStage ? candidate.Training.AdapterEpochs ?? Math.Max(1, e / 2) : 0)) * epoch;
        int fits = epochs;
        while (fits >= 1 && Cost(fits) > left)
            fits--;
        if (fits < 1)
            return (null, Cost(epochs));
        var cut = fits == epochs ? candidate : candidate with { Training = candidate.Training with { Epochs = fits } };
        return (cut, Cost(fits));
    }

    // Time kept for feature extraction's final pass: the test images' features and the head again.
    private static double TestReserve(LearnerData data, double frozen) =>
        frozen <= 0 ? 0 : (data.Test?.Count ?? 0) * frozen + HeadSeconds;

    // The deadline: the limit, less a moment (3 %, at most 5 s) to save the run.
    private static TimeSpan Until(TimeSpan limit, Stopwatch watch) =>
        TimeSpan.FromSeconds(
            Math.Max(0, (limit - watch.Elapsed).TotalSeconds - Math.Min(5, 0.03 * limit.TotalSeconds))
        );

    private static CandidateReport Entry(
        string name,
        LearnerOptions options,
        double estimate,
        Stopwatch? watch,
        double? accuracy,
        string status,
        string reason
    ) =>
        new()
        {
            Name = name,
            Strategy = StrategyRegistry.NameOf(options.Strategy),
            Epochs = options.Strategy is FeatureExtractionOptions ? null : options.Training.Epochs,
            EstimatedSeconds = estimate > 0 ? Math.Round(estimate, 1) : null,
            Seconds = watch is null ? null : Math.Round(watch.Elapsed.TotalSeconds, 2),
            ValAccuracy = accuracy is { } a ? Math.Round(a, 4) : null,
            Status = status,
            Reason = reason,
        };

    private static string Name(AutoPreset preset) => preset.ToString().ToLowerInvariant();
}
