using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Cli;
using TransferSharp.Data;
using TransferSharp.Engine;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using TransferSharp.Training;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// tcmalloc under libtorch when installed (faster training in less memory than glibc's malloc): a relaunch, before
// anything is loaded or printed. TRANSFERSHARP_ALLOCATOR=glibc keeps the process as it is.
try { NativeAllocator.RelaunchWithPreferredAllocator(); }
catch (EngineException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

var root = new RootCommand("TransferSharp: transfer learning with pretrained CNNs on TorchSharp.");
root.Subcommands.Add(Commands.Fit());
root.Subcommands.Add(Commands.LrFind());
root.Subcommands.Add(Commands.Evaluate());
root.Subcommands.Add(Commands.Predict());
root.Subcommands.Add(Commands.Backbones());
root.Subcommands.Add(Commands.Dataset());
root.Subcommands.Add(Commands.Diagnose());
root.Subcommands.Add(Commands.Inspect());
root.Subcommands.Add(Commands.Advise());
return root.Parse(args).Invoke();

namespace TransferSharp.Cli
{
    internal static partial class Commands
    {
        /// <summary>Runs a command body; known bad-input errors print one clear line (exit 2), anything else its message (exit 1).</summary>
        internal static int Guard(Func<int> body)
        {
            try { return body(); }
            catch (Exception e) when (e is OptionException or DataException or OnnxImportException or UnknownBackboneException or EngineException
                                        or FileNotFoundException or InvalidDataException or ArgumentOutOfRangeException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
                if (Environment.GetEnvironmentVariable("TRANSFERSHARP_DEBUG") == "1") Console.Error.WriteLine(e);
                return 1;
            }
        }

        public static Command Fit()
        {
            var data = new Option<string?>("--data") { Description = "Training data: image folder (one subfolder per class), CSV of path,label, or IDX files. Default: the embedded Fashion-MNIST subset." };
            var test = new Option<string?>("--test") { Description = "Separate labelled test set (same formats)." };
            var strategy = new Option<string>("--strategy") { Description = $"Strategy: {string.Join(", ", StrategyCatalog.All.Keys)}, or auto (the advisor measures the data and picks; see `advise`).", DefaultValueFactory = _ => StrategyCatalog.FeatureExtraction };
            var backbone = new Option<string>("--backbone") { Description = $"Backbone: {string.Join(", ", Registry.Names)}.", DefaultValueFactory = _ => Registry.DefaultName };
            var size = new Option<int?>("--size") { Description = "Input size in pixels (square). Default: the backbone's own (224)." };
            var epochs = new Option<int?>("--epochs") { Description = "Training length (feature extraction: full-batch head steps, default 300; with --strategy auto: the network strategies' epochs, feature extraction keeping its 300 steps)." };
            var seed = new Option<int>("--seed") { Description = "Seed of the split and initialisation.", DefaultValueFactory = _ => 0 };
            var output = new Option<string>("--out") { Description = "Run folder for the model, its config and metrics.json.", Required = true };
            var valFraction = new Option<double>("--val-fraction") { Description = "Share held out for validation (stratified).", DefaultValueFactory = _ => 0.1 };
            var batch = new Option<int>("--batch-size") { Description = "Images per backbone pass.", DefaultValueFactory = _ => 32 };
            var skipBad = new Option<bool>("--skip-bad") { Description = "Skip undecodable images (listed in metrics.json) instead of stopping." };
            var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
            var cacheDir = new Option<string?>("--cache-dir") { Description = "Feature cache folder (default ~/.cache/transfersharp)." };
            var noCache = new Option<bool>("--no-cache") { Description = "Do not read or write the on-disk feature cache." };
            var t = new TrainingOptions();
            var lr = new Option<double?>("--lr") { Description = "Top (head) learning rate of network training. Default: 1e-2 for bn-only, 1e-3 otherwise." };
            var lrSpread = new Option<double?>("--lr-spread") { Description = "Geometric spread: the earliest group trains at lr / spread (fastai's slice). Default: 10 (1 for bn-only and scratch)." };
            var layerDecay = new Option<double?>("--layer-decay") { Description = "timm-style layer decay (e.g. 0.7): each group decay times the next one up; overrides --lr-spread." };
            var schedule = new Option<ScheduleKind>("--schedule") { Description = "cosine (warm-up then cosine), one-cycle or constant.", DefaultValueFactory = _ => t.Schedule, CustomParser = r => EnumArgument<ScheduleKind>(r, "--schedule") };
            var warmup = new Option<double>("--warmup") { Description = "Warm-up share of all steps.", DefaultValueFactory = _ => t.WarmupFraction };
            var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "adamw or sgd.", DefaultValueFactory = _ => t.Optimizer, CustomParser = r => EnumArgument<OptimizerKind>(r, "--optimizer") };
            var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay (not on biases or BatchNorm).", DefaultValueFactory = _ => t.WeightDecay };
            var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => t.Momentum };
            var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing of the loss.", DefaultValueFactory = _ => t.LabelSmoothing };
            var patience = new Option<int?>("--patience") { Description = "Early-stopping patience (epochs); for gradual-unfreeze the per-stage patience (default 2)." };
            var freezeTo = new Option<int>("--freeze-to") { Description = "fine-tune: keep groups below K frozen (0 = train all; groups: stem, stage1..4).", DefaultValueFactory = _ => 0 };
            var augment = new Option<CropKind>("--augment") { Description = "Training crop: pad-crop, random-resized or none.", DefaultValueFactory = _ => t.Augmentation.Crop, CustomParser = r => EnumArgument<CropKind>(r, "--augment") };
            var noFlip = new Option<bool>("--no-flip") { Description = "No random horizontal flips." };
            var alpha = new Option<double>("--l2sp-alpha") { Description = "l2-sp: pull toward the pretrained weights.", DefaultValueFactory = _ => 0.01 };
            var beta = new Option<double>("--l2sp-beta") { Description = "l2-sp: L2 on the head.", DefaultValueFactory = _ => 0.01 };
            var adabn = new Option<bool>("--adabn") { Description = "Re-estimate BatchNorm statistics on the training images first (AdaBN)." };
            var bnStats = new Option<string?>("--bn-stats") { Description = "BatchNorm statistics while training: frozen (the running statistics; lp-ft's default) or batch (each batch's, running statistics updated; the other strategies' default)." };
            var deterministic = new Option<bool>("--deterministic") { Description = "Deterministic training (one thread)." };
            var keepLast = new Option<bool>("--keep-last") { Description = "Keep the last epoch's weights instead of restoring the best validation epoch (a small validation split makes that choice noisy)." };
            var adapter = new Option<string>("--adapter") { Description = "How C input channels reach the 3-channel backbone: replicate (copy/tile), weight-sum (adapt the first convolution), conv1x1 (learnable 1x1 convolution trained with the head).", DefaultValueFactory = _ => "replicate" };
            var adapterRate = new Option<double?>("--adapter-lr-mult") { Description = "The conv1x1 adapter's learning rate as a multiple of the head's (default 30 for feature extraction, 100 otherwise)." };
            var analyze = new Option<bool>("--analyze") { Description = "Also run the frequency analysis of the backbone against the training images (frequency.png, metrics.json)." };
            var channelsLast = new Option<bool>("--channels-last") { Description = ".npy arrays are [H, W, C] (default [C, H, W])." };
            var mixup = new Option<double>("--mixup") { Description = "Mixup alpha (images and labels mixed in pairs, weight ~ Beta(alpha, alpha)); 0 = off. Needs a trainable first group.", DefaultValueFactory = _ => 0 };
            var averageLast = new Option<int?>("--average-last") { Description = "Weight averaging (SWA): keep the mean of the weights at the end of the last N epochs instead of one epoch's." };
            var features = new Option<string?>("--features") { Description = "Feature extraction from these layer groups' pooled outputs, concatenated, e.g. stage3,stage4 (default: the last group). `advise` scores every group (LogME)." };
            var featureGrid = new Option<int>("--feature-grid") { Description = "With --features: pool intermediate groups over a g x g grid of cells instead of globally (channels x g x g features; where a pattern sits survives). Default 1.", DefaultValueFactory = _ => 1 };
            var pilot = new Option<bool>("--pilot") { Description = "With --strategy auto: short pilot runs of the advised strategy and its two best alternatives; an alternative replaces the advice only when it beats it on validation by more than the noise (one standard error of the difference)." };
            var pilotEpochs = new Option<int>("--pilot-epochs") { Description = "Epochs of each network pilot run (together on at most 30 % of the full run's image-steps: a stratified share of the training split when the full run is short).", DefaultValueFactory = _ => 2 };
            var naive = new Option<bool>("--naive") { Description = "Benchmark baseline: the recipe run the plain way (no ONNX Runtime, no caching of frozen outputs, autograd through frozen parameters, default memory layout; lp-ft's probe as head-only epochs through the network)." };
            var tta = new Option<bool>("--tta") { Description = "Test-time augmentation: average each image's prediction with its mirror image's (kept for predict and evaluate)." };
            var command = new Command("fit", "Train a model on labelled images and save it with its metrics.")
            {
                data, test, strategy, backbone, size, epochs, seed, output, valFraction, batch, skipBad, device, cacheDir, noCache,
                lr, lrSpread, layerDecay, schedule, warmup, optimizer, weightDecay, momentum, smoothing, patience, freezeTo, augment, noFlip, alpha, beta, adabn, bnStats, deterministic, tta, keepLast, averageLast, mixup, adapter, channelsLast, adapterRate, analyze, naive, features, featureGrid, pilot, pilotEpochs,
            };
            command.SetAction(parse => Guard(() =>
            {
                var options = new FitOptions
                {
                    Data = parse.GetValue(data), Test = parse.GetValue(test), Strategy = parse.GetValue(strategy)!, Backbone = parse.GetValue(backbone)!,
                    Size = parse.GetValue(size), Epochs = parse.GetValue(epochs), Seed = parse.GetValue(seed), Output = parse.GetValue(output)!,
                    ValidationFraction = parse.GetValue(valFraction), BatchSize = parse.GetValue(batch), SkipBad = parse.GetValue(skipBad),
                    Device = parse.GetValue(device)!, CacheDirectory = parse.GetValue(cacheDir), UseCache = !parse.GetValue(noCache),
                    FreezeTo = parse.GetValue(freezeTo), L2SpAlpha = parse.GetValue(alpha), L2SpBeta = parse.GetValue(beta), AdaBn = parse.GetValue(adabn), FreezeBatchNormStatistics = BatchNormStatistics(parse.GetValue(bnStats)), TestTimeAugmentation = parse.GetValue(tta), AdapterRateMultiplier = parse.GetValue(adapterRate), Adapter = TransferSharp.Adapters.InputAdapters.Parse(parse.GetValue(adapter)!), ChannelsLast = parse.GetValue(channelsLast), Analyze = parse.GetValue(analyze), Naive = parse.GetValue(naive), Pilot = parse.GetValue(pilot), PilotEpochs = parse.GetValue(pilotEpochs), Features = parse.GetValue(features)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), FeatureGrid = parse.GetValue(featureGrid),
                    LearningRate = parse.GetValue(lr), LrSpread = parse.GetValue(lrSpread),
                    Training = new TrainingOptions
                    {
                        BatchSize = parse.GetValue(batch), LayerDecay = parse.GetValue(layerDecay),
                        Schedule = parse.GetValue(schedule), WarmupFraction = parse.GetValue(warmup), Optimizer = parse.GetValue(optimizer),
                        WeightDecay = parse.GetValue(weightDecay), Momentum = parse.GetValue(momentum), LabelSmoothing = parse.GetValue(smoothing),
                        Patience = parse.GetValue(patience), Deterministic = parse.GetValue(deterministic), RestoreBest = !parse.GetValue(keepLast), AverageLastEpochs = parse.GetValue(averageLast), MixupAlpha = parse.GetValue(mixup),
                        Augmentation = new AugmentationOptions { Crop = parse.GetValue(augment), HorizontalFlip = !parse.GetValue(noFlip) },
                    },
                };
                FitResult result = ConsoleProgress.Run(sink => Fitter.Run(options, sink));
                PrintSummary(result);
                return 0;
            }));
            return command;
        }

        private static T EnumArgument<T>(System.CommandLine.Parsing.ArgumentResult result, string option) where T : struct, Enum
        {
            try { return ParseEnum<T>(result.Tokens[0].Value, option); }
            catch (OptionException e) { result.AddError(e.Message); return default; }
        }

        /// <summary>--bn-stats: frozen, batch, or absent (the strategy's default).</summary>
        internal static bool? BatchNormStatistics(string? value) => value?.ToLowerInvariant() switch
        {
            null => null,
            "frozen" => true,
            "batch" => false,
            _ => throw new OptionException($"--bn-stats {value}: expected frozen or batch."),
        };

        /// <summary>Parses kebab-case enum values (one-cycle, random-resized); an unknown value names the option and the choices.</summary>
        internal static T ParseEnum<T>(string value, string option) where T : struct, Enum
        {
            string wanted = value.Replace("-", "").Replace("_", "");
            foreach (T candidate in Enum.GetValues<T>())
                if (string.Equals(candidate.ToString(), wanted, StringComparison.OrdinalIgnoreCase)) return candidate;
            string choices = string.Join(", ", Enum.GetNames<T>().Select(n => string.Concat(n.Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()))));
            throw new OptionException($"{option} '{value}': unknown value; choose one of {choices}.");
        }

        private static void PrintSummary(FitResult result)
        {
            RunRecord r = result.Record;
            var table = new Table().AddColumn("metric").AddColumn("value");
            foreach (string key in new[] { "strategy", "backbone", "input_size", "train_images", "val_images", "test_images", "weight_decay", "best_epoch", "stop_reason", "trainable_parameters",
                                           "val_accuracy", "test_accuracy", "seconds_extraction", "images_per_second_extraction", "seconds_total" })
            {
                if (!r.Has(key)) continue;
                string? value = r.Get<System.Text.Json.JsonElement>(key).ToString();
                table.AddRow(key, Markup.Escape(value ?? ""));
            }
            AnsiConsole.Write(table);
            var cache = r.Get<System.Text.Json.JsonElement>("feature_cache");
            if (cache.ValueKind == System.Text.Json.JsonValueKind.Object && cache.GetProperty("hit").GetBoolean())
                Console.WriteLine("feature cache hit: extraction skipped");
            if (r.Has("test_accuracy")) Console.WriteLine($"test accuracy: {r.Get<double>("test_accuracy"):F4}");
            Console.WriteLine($"run saved to {result.Output} (metrics.json, model.json, head.bin)");
        }

        public static Command LrFind()
        {
            var data = new Option<string?>("--data") { Description = "Training data (default: the embedded Fashion-MNIST subset)." };
            var strategy = new Option<string>("--strategy") { Description = "The network-training strategy to sweep for.", DefaultValueFactory = _ => StrategyCatalog.FineTune };
            var size = new Option<int?>("--size") { Description = "Input size." };
            var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 32 };
            var spread = new Option<double>("--lr-spread") { Description = "Geometric spread across groups (kept during the sweep).", DefaultValueFactory = _ => 10 };
            var steps = new Option<int>("--steps") { Description = "Sweep steps.", DefaultValueFactory = _ => 100 };
            var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0, Description = "Seed." };
            var output = new Option<string>("--out") { Description = "Folder for lr-find.json and lr-find.png.", Required = true };
            var command = new Command("lr-find", "Learning-rate range test: loss against learning rate, a suggested rate and a PNG plot.") { data, strategy, size, batch, spread, steps, seed, output };
            command.SetAction(parse => Guard(() =>
            {
                int stepCount = parse.GetValue(steps);
                if (stepCount < 10 || stepCount > 10_000) throw new OptionException($"--steps {stepCount}: must be between 10 and 10000.");
                var options = new FitOptions
                {
                    Data = parse.GetValue(data), Strategy = parse.GetValue(strategy)!, Size = parse.GetValue(size), Seed = parse.GetValue(seed), Output = parse.GetValue(output)!,
                    LrSpread = parse.GetValue(spread), Training = new TrainingOptions { BatchSize = parse.GetValue(batch) },
                };
                var sweep = ConsoleProgress.Run(sink => TransferSharp.Strategies.LrFind.Run(options, sink, stepCount));
                Console.WriteLine($"suggested learning rate (steepest descent): {sweep.Steepest:G3}; minimum/10: {sweep.MinimumOverTen:G3}");
                Console.WriteLine($"plot: {Path.Combine(Path.GetFullPath(options.Output), "lr-find.png")}");
                return 0;
            }));
            return command;
        }

        public static Command Evaluate()
        {
            var run = new Argument<string>("run") { Description = "The run folder written by fit." };
            var data = new Option<string?>("--data") { Description = "Labelled data to evaluate on. Default: the embedded test subset." };
            var report = new Option<string?>("--report") { Description = "Where to write the JSON report (default RUN/evaluation.json)." };
            var skipBad = new Option<bool>("--skip-bad") { Description = "Skip undecodable images." };
            var command = new Command("evaluate", "Accuracy, per-class accuracy and confusion matrix of a trained model on labelled data.") { run, data, report, skipBad };
            command.SetAction(parse => Guard(() =>
            {
                string runDir = parse.GetValue(run)!;
                using SavedModel model = SavedModel.Load(runDir);
                var dataset = DatasetLoader.Load(parse.GetValue(data) ?? EmbeddedData.TestImages, DatasetRole.Test, model.Manifest.ChannelsLast);
                ClassificationReport result = ConsoleProgress.Run(sink => Predictor.Evaluate(model, dataset, sink, parse.GetValue(skipBad), FeatureCache.DefaultDirectory()));
                var table = new Table().AddColumn("true \\ predicted");
                foreach (string name in result.ClassNames) table.AddColumn(Markup.Escape(name));
                table.AddColumn("accuracy");
                for (int c = 0; c < result.ClassNames.Count; c++)
                    table.AddRow(new[] { Markup.Escape(result.ClassNames[c]) }.Concat(result.Confusion[c].Select(v => v.ToString()))
                        .Append(result.PerClassAccuracy[result.ClassNames[c]].ToString("F3")).ToArray());
                AnsiConsole.Write(table);
                string path = parse.GetValue(report) ?? Path.Combine(runDir, "evaluation.json");
                Json.Write(path, new { data = dataset.Origin, images = dataset.Count, accuracy = result.Accuracy, per_class_accuracy = result.PerClassAccuracy, confusion = result.Confusion, class_names = result.ClassNames });
                Console.WriteLine($"accuracy: {result.Accuracy:F4} on {dataset.Count} images (report: {path})");
                return 0;
            }));
            return command;
        }

        public static Command Predict()
        {
            var run = new Argument<string>("run") { Description = "The run folder written by fit." };
            var inputs = new Argument<string[]>("images") { Description = "Image files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
            var output = new Option<string?>("--output") { Description = "CSV file to write (default: standard output)." };
            var skipBad = new Option<bool>("--skip-bad") { Description = "Skip undecodable images." };
            var adjust = new Option<string?>("--adjust-priors-from") { Description = "Unlabelled target images (files, folders or a dataset): estimate their class priors (EM on BCTS-calibrated probabilities) and correct the predictions for the label shift." };
            var command = new Command("predict", "Predict labels: CSV of path,label,probability.") { run, inputs, output, skipBad, adjust };
            command.SetAction(parse => Guard(() =>
            {
                using SavedModel model = SavedModel.Load(parse.GetValue(run)!);
                var sources = ImageFiles.Expand(parse.GetValue(inputs)!).Select(p => ImageFiles.Source(p, model.Manifest.ChannelsLast)).ToList();
                if (sources.Count == 0) throw new DataException("predict: no image files found in the given paths.");
                string? outPath = parse.GetValue(output);
                PriorAdjustment? adjustment = null;
                if (parse.GetValue(adjust) is { } targetPath)
                {
                    string runDir = parse.GetValue(run)!;
                    CalibrationSet validation = CalibrationSet.Load(runDir);
                    var target = UnlabelledImages(targetPath);
                    ModelOutputs targetOutputs = ConsoleProgress.Run(sink => Predictor.Outputs(model, target, sink, parse.GetValue(skipBad), cacheDirectory: FeatureCache.DefaultDirectory()));
                    adjustment = PriorAdjustment.FromTarget(validation, targetOutputs.LogProbabilities);
                    var names = model.Manifest.ClassNames;
                    Console.Error.WriteLine($"label-shift correction from {targetOutputs.Kept.Length} target images (EM+BCTS, {adjustment.Estimate.Iterations} iterations, temperature {adjustment.Calibration.Temperature:F3}):");
                    for (int c = 0; c < names.Count; c++)
                        Console.Error.WriteLine($"  {names[c]}: prior {validation.SourcePriors[c]:F3} -> {adjustment.Estimate.Priors[c]:F3} (weight {adjustment.Estimate.Weights[c]:F2})");
                    Json.Write(Path.Combine(runDir, "prior_adjustment.json"), new { target = targetPath, images = targetOutputs.Kept.Length, class_names = names, source_priors = validation.SourcePriors, adjustment });
                }
                var (predictions, _, bad) = outPath is null
                    ? Predictor.Predict(model, sources, TransferSharp.Progress.SilentProgress.Instance, parse.GetValue(skipBad), cacheDirectory: FeatureCache.DefaultDirectory(), adjustment: adjustment)
                    : ConsoleProgress.Run(sink => Predictor.Predict(model, sources, sink, parse.GetValue(skipBad), cacheDirectory: FeatureCache.DefaultDirectory(), adjustment: adjustment));
                using TextWriter writer = outPath is null ? Console.Out : new StreamWriter(outPath);
                writer.WriteLine("path,label,probability");
                foreach (Prediction p in predictions)
                    writer.WriteLine($"{Csv(p.Id)},{Csv(p.Label)},{p.Probability.ToString("F6", CultureInfo.InvariantCulture)}");
                foreach (BadImage b in bad) Console.Error.WriteLine($"skipped: {b.Reason}");
                if (outPath is not null) Console.WriteLine($"{predictions.Count} predictions written to {outPath}");
                return 0;
            }));
            return command;
        }

        private static string Csv(string value) => value.IndexOfAny(new[] { ',', '"', '\n' }) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

        public static Command Backbones()
        {
            var command = new Command("backbones", "List the registered pretrained backbones.");
            command.SetAction(_ => Guard(() =>
            {
                var table = new Table().AddColumn("name").AddColumn("input").AddColumn("features").AddColumn("groups").AddColumn("weights (NuGet)").AddColumn("description");
                foreach (PretrainedConfig c in Registry.Entries)
                    table.AddRow(c.Name, c.InputSize.ToString(), c.FeatureWidth.ToString(), string.Join(",", c.LayerGroups),
                        Markup.Escape($"{c.Weights.PackageId} {c.Weights.PackageVersion}"), Markup.Escape(c.Description));
                AnsiConsole.Write(table);
                return 0;
            }));
            return command;
        }

        public static Command Dataset()
        {
            var images = new Option<string>("--images") { Description = "IDX images file (labels beside it).", Required = true };
            var perClass = new Option<int>("--per-class") { Description = "Images to keep per class.", Required = true };
            var seed = new Option<int>("--seed") { Description = "Seed of the draw.", DefaultValueFactory = _ => 0 };
            var output = new Option<string>("--out") { Description = "Output folder.", Required = true };
            var prefix = new Option<string>("--prefix") { Description = "File name prefix (train or t10k).", DefaultValueFactory = _ => "train" };
            var subset = new Command("subset", "Cut a class-balanced subset of an IDX dataset (e.g. 100 labels per class).") { images, perClass, seed, output, prefix };
            subset.SetAction(parse => Guard(() =>
            {
                string imagesPath = parse.GetValue(images)!;
                var (all, rows, cols) = IdxFormat.ReadImages(imagesPath);
                byte[] labels = IdxFormat.ReadLabels(IdxFormat.LabelsPathFor(imagesPath));
                int n = parse.GetValue(perClass);
                if (n < 1) throw new OptionException($"--per-class {n}: must be at least 1.");
                int[] keep = StratifiedSplit.TakePerClass(labels.Select(l => (int)l).ToArray(), n, parse.GetValue(seed));
                string dir = parse.GetValue(output)!;
                Directory.CreateDirectory(dir);
                string p = parse.GetValue(prefix)!;
                IdxFormat.WriteImages(Path.Combine(dir, $"{p}-images-idx3-ubyte.gz"), keep.Select(i => all[i]).ToList(), rows, cols);
                IdxFormat.WriteLabels(Path.Combine(dir, $"{p}-labels-idx1-ubyte.gz"), keep.Select(i => labels[i]).ToList());
                Console.WriteLine($"wrote {keep.Length} images ({n} per class at most) to {dir}");
                return 0;
            }));
            return new Command("dataset", "Dataset utilities.") { subset };
        }
    }

    internal static class ImageFiles
    {
        private static bool IsArray(string file) => DatasetLoader.ArrayExtensions.Contains(Path.GetExtension(file));

        /// <summary>An image file, or a .npy / TIFF array.</summary>
        public static IImageSource Source(string path, bool channelsLast = false) => DatasetLoader.SourceFor(path, channelsLast);

        public static IEnumerable<string> Expand(IEnumerable<string> paths)
        {
            foreach (string path in paths)
            {
                if (File.Exists(path)) yield return path;
                else if (Directory.Exists(path))
                    foreach (string file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(f => DatasetLoader.ImageExtensions.Contains(Path.GetExtension(f)) || IsArray(f)).Order(StringComparer.Ordinal))
                        yield return file;
                else throw new DataException($"{path}: no such file or folder.", path);
            }
        }
    }
}
