namespace TransferSharp.Analysis;

/// <summary>What the advisor reasons from.</summary>
/// <param name="Images">Labelled images (N).</param>
/// <param name="Classes">Classes.</param>
/// <param name="SmallestClass">Images in the smallest class.</param>
/// <param name="Channels">Input channels.</param>
/// <param name="DomainDistance">d, from <see cref="DomainDistance"/> (null when not measured).</param>
/// <param name="TuneEarlyLayers">The frequency verdict: the images carry high-frequency energy the stem attenuates.</param>
/// <param name="TrainableParameters">P of each candidate strategy.</param>
/// <param name="Transferability">LogME of every layer group's pooled features on a labelled sample (empty when not measured).</param>
/// <param name="ImageSide">The images' typical shorter side in pixels (median of a sample; null when not measured).</param>
/// <param name="NativeSize">The backbone's own input size.</param>
/// <param name="MirrorAsymmetry">Each class's mean-image mirror asymmetry (<see cref="Orientation"/>; null when not measured).</param>
public sealed record AdviceInputs(int Images, int Classes, int SmallestClass, int Channels, double? DomainDistance, bool TuneEarlyLayers,
    IReadOnlyDictionary<string, long> TrainableParameters, IReadOnlyList<GroupTransferability>? Transferability = null, int? ImageSide = null, int NativeSize = 224,
    IReadOnlyDictionary<string, double>? MirrorAsymmetry = null);

/// <summary>The advised training recipe of a network strategy (its defaults in this tool).</summary>
/// <param name="Epochs">Training epochs (gradual unfreezing: the most; it stops stages on validation).</param>
/// <param name="HeadLearningRate">Peak learning rate of the head.</param>
/// <param name="StemLearningRate">Peak learning rate of the stem (discriminative rates in between, geometric).</param>
/// <param name="Schedule">The learning-rate schedule.</param>
public sealed record TrainingRecipe(int Epochs, double HeadLearningRate, double StemLearningRate, string Schedule);

/// <summary>The advice.</summary>
/// <param name="Regime">few-data / some-data / much-data, crossed with near / moderate / far domain.</param>
/// <param name="Strategy">The recommended strategy.</param>
/// <param name="Adapter">The recommended input adapter.</param>
/// <param name="Alternatives">Other strategies worth a pilot run, best first.</param>
/// <param name="Explanation">In plain words, with N, P/N, d and the regime.</param>
/// <param name="FeatureLayers">For feature extraction: the layer groups to read features from (the best-scoring group by LogME).</param>
/// <param name="InputSize">The input size to train at (null when the image size was not measured).</param>
/// <param name="Training">Epochs and learning rates for a network strategy (null for feature extraction: its head takes 300 full-batch steps).</param>
/// <param name="RandomFlips">Whether random horizontal flips suit the data when a network trains: false when some class is oriented (<see cref="Orientation"/>); null when not measured. Advice only: <c>auto</c> keeps the training defaults.</param>
public sealed record Advice(string Regime, string Strategy, string Adapter, IReadOnlyList<string> Alternatives, string Explanation,
    IReadOnlyList<string>? FeatureLayers = null, int? InputSize = null, TrainingRecipe? Training = null, bool? RandomFlips = null);

/// <summary>
/// The bias-variance trade-off made concrete. Few labelled images per class make every tuned parameter a source of
/// variance (feature extraction); many make the pretrained bias the limit (fine-tune everything); a far domain with
/// few images calls for careful adaptation (gradual unfreezing, BN-only); a task in high frequencies needs its early
/// layers tuned. Thresholds come from this project's measurements (bench/README.md): at 10 labels per class frozen
/// features won (0.669 against at most 0.663), at 100 fine-tuning did (0.852 against 0.806), on Fashion-MNIST, d 0.49.
/// </summary>
public static class StrategyAdvisor
{
    /// <summary>Images per class below which the frozen features win.</summary>
    public const int FewPerClass = 30;
    /// <summary>Images per class from which fine-tuning everything is the default.</summary>
    public const int ManyPerClass = 300;
    /// <summary>d below which the domain counts as near the pretraining data.</summary>
    public const double NearDomain = 0.3;
    /// <summary>d above which the domain counts as far.</summary>
    public const double FarDomain = 1.0;

    /// <summary>The recommendation and its explanation.</summary>
    public static Advice Advise(AdviceInputs m)
    {
        double perClass = m.Classes > 0 ? (double)m.Images / m.Classes : 0;
        string adapter = m.Channels is 1 or 3 ? "replicate" : "conv1x1";
        string adapterWhy = m.Channels is 1 or 3 ? "" : $" {m.Channels} channels: the conv1x1 adapter learns how to mix them into the three the backbone reads (weight-sum when fine-tuning everything).";
        string RatioText(string strategy) => m.TrainableParameters.TryGetValue(strategy, out long p) && m.Images > 0 ? $"P/N = {p:N0}/{m.Images:N0} = {p / (double)m.Images:G3}" : "P/N not measured";
        int? inputSize = InputSizeFor(m.ImageSide, m.NativeSize);
        string sizeText = inputSize is { } advisedSize
            ? $" Input: {advisedSize} px for {m.ImageSide} px images ({(advisedSize >= m.NativeSize ? "the backbone's own size" : "upsampled at most 4x: on Fashion-MNIST 112 px beat 64 px by 4 points, feature extraction at 10 per class, 0.710 against 0.670; beyond that the cost grows with the square of the size and no detail is added")})."
            : "";
        if (m.SmallestClass < 2)
            return new Advice("too-small", "feature-extraction", adapter, Array.Empty<string>(),
                $"The smallest class has {m.SmallestClass} image(s): too few to hold out a validation image, so nothing can be tuned or checked; feature extraction only ({RatioText("feature-extraction")}).{adapterWhy}{sizeText}",
                InputSize: inputSize);
        string size = perClass < FewPerClass ? "few-data" : perClass < ManyPerClass ? "some-data" : "much-data";
        string domain = m.DomainDistance is not { } d ? "unknown-domain" : d < NearDomain ? "near-domain" : d > FarDomain ? "far-domain" : "moderate-domain";
        (string strategy, string[] alternatives, string why) = (size, domain) switch
        {
            ("few-data", "far-domain") => ("gradual-unfreeze", new[] { "bn-only", "feature-extraction" },
                "few images and a domain far from the pretraining data: adapt carefully, the head first and deeper groups only while validation improves"),
            ("few-data", _) => ("feature-extraction", new[] { "lp-ft", "gradual-unfreeze" },
                "few images per class: tuning millions of parameters on them is all variance; the frozen features are the low-variance choice"),
            ("some-data", "near-domain") => ("lp-ft", new[] { "fine-tune", "feature-extraction" },
                "enough images to tune, and a domain near the pretraining data: start from a linear probe so fine-tuning does not distort good features"),
            // Measured (bench/README.md, the advisor's suite): with its fine-tuning stage on the probe's BatchNorm
            // statistics, LP-FT beat fine-tuning on all four 100-per-class tasks (moderate and near domains), by 1.5 to 3.3 points.
            ("some-data", "moderate-domain") => ("lp-ft", new[] { "fine-tune", "l2-sp" },
                "enough images to tune everything, and a domain not so far that the pretrained features are useless: a linear probe first, so that fine-tuning starts from a head that already fits instead of pushing a random head's gradients into the backbone"),
            ("some-data", _) => ("fine-tune", new[] { "l2-sp", "lp-ft" },
                "enough images to tune everything with discriminative rates; the domain is not close enough for frozen features to be the ceiling"),
            _ => ("fine-tune", new[] { "l2-sp", "lp-ft" }, "many images per class: the pretrained bias, not variance, is the limit; fine-tune everything"),
        };
        string frequency = "";
        if (m.TuneEarlyLayers)
        {
            frequency = " The images carry high-frequency energy the stem attenuates: the early layers must train (fine-tune from the stem).";
            if (strategy is "feature-extraction" or "bn-only") { alternatives = new[] { strategy }.Concat(alternatives.Where(a => a != "fine-tune")).ToArray(); strategy = size == "few-data" ? "gradual-unfreeze" : "fine-tune"; }
        }
        string dText = m.DomainDistance is { } dv ? $"d = {dv:F2} ({domain})" : "d not measured";
        var (layers, layerText) = FeatureLayerAdvice(m.Transferability, strategy);
        TrainingRecipe? training = RecipeFor(strategy);
        string trainingText = training is { } r
            ? $" Training: {r.Epochs} epochs{(strategy == "gradual-unfreeze" ? " at most" : "")}, learning rate {r.HeadLearningRate:G2} for the head{(r.StemLearningRate < r.HeadLearningRate ? $" down to {r.StemLearningRate:G2} for the stem (discriminative rates)" : " for every group")}, {r.Schedule} schedule."
            : " Head: multinomial logistic regression, 300 full-batch steps, its weight decay chosen on validation.";
        var (flips, flipText) = FlipAdvice(m.MirrorAsymmetry);
        return new Advice($"{size}/{domain}", strategy, adapter, alternatives,
            $"N = {m.Images:N0} labelled images, {perClass:F0} per class (smallest class {m.SmallestClass}), {RatioText(strategy)}, {dText}: regime {size}/{domain}. Recommended: {strategy}, because {why}.{frequency}{adapterWhy}{layerText}{sizeText}{trainingText}{flipText}",
            layers, inputSize, training, flips);
    }

    /// <summary>
    /// Random flips or not, from the classes' mirror asymmetry: a class whose mean image is one-sided (above
    /// <see cref="Orientation.OrientedAbove"/>) always faces one way, and a flipped training image of it is one the task
    /// never shows. Advice only, in words and in <see cref="Advice.RandomFlips"/>; the user passes --no-flip.
    /// </summary>
    private static (bool? flips, string text) FlipAdvice(IReadOnlyDictionary<string, double>? asymmetry)
    {
        if (asymmetry is not { Count: > 0 }) return (null, "");
        var oriented = asymmetry.Where(p => p.Value > Orientation.OrientedAbove).OrderByDescending(p => p.Value).ToList();
        if (oriented.Count == 0) return (true, $" Orientation: no class's mean image is one-sided beyond chance (mirror asymmetry at most {asymmetry.Values.Max():F3}, oriented above {Orientation.OrientedAbove}): random flips suit the data.");
        string listed = string.Join(", ", oriented.Select(p => $"{p.Key} {p.Value:F3}"));
        return (false, $" Orientation: {oriented.Count} of {asymmetry.Count} classes face one way (mean-image mirror asymmetry beyond chance {listed}; oriented above {Orientation.OrientedAbove}): random flips train on images your data never shows, so train network strategies with --no-flip (Fashion-MNIST, LP-FT at 100 per class: +0.9 points test accuracy, mean of three seeds; auto keeps flips on).");
    }

    /// <summary>
    /// The input size for images whose shorter side is <paramref name="imageSide"/>: the backbone's own when they are at
    /// least that large, otherwise at most 4x upsampling (rounded up to a multiple of 16, at least 64, at most native).
    /// </summary>
    public static int? InputSizeFor(int? imageSide, int nativeSize)
    {
        if (imageSide is not > 0 || nativeSize <= 0) return null;
        if (imageSide >= nativeSize) return nativeSize;
        int upsampled = (int)Math.Ceiling(4.0 * imageSide.Value / 16) * 16;
        return Math.Clamp(upsampled, Math.Min(64, nativeSize), nativeSize);
    }

    /// <summary>The epochs and learning rates a network strategy trains with here (its defaults); null for feature extraction.</summary>
    public static TrainingRecipe? RecipeFor(string strategy)
    {
        if (strategy == Strategies.StrategyCatalog.FeatureExtraction) return null;
        Training.TrainingOptions t = Strategies.NetworkStrategy.Defaults(new Strategies.FitOptions { Output = "", Strategy = strategy });
        return new TrainingRecipe(t.Epochs, t.LearningRate, t.LearningRate / t.LrSpread, t.Schedule.ToString().ToLowerInvariant());
    }

    /// <summary>
    /// The feature layers for feature extraction: the group LogME ranks first, alone. No margin in favour of the last
    /// group: LogME's values shrink with the sample (10 per class: stage3 0.059, stage4 0.054), and wherever it ranked
    /// stage3 first on Fashion-MNIST, stage3's features won on the test set: 0.848 against 0.806 for the last group's (100
    /// per class, 112 px) and 0.752 against 0.670 (10 per class, 64 px); bench/README.md. When the last group ranks first
    /// by less than the bootstrap noise of the difference (<see cref="GroupTransferability.NoiseBelowLast"/>), the
    /// runner-up intermediate group is chosen: the two are indistinguishable on this sample, and its narrower features
    /// give the head fewer weights to fit (the lower-variance choice; high-pass at 10 per class: stage4 ranked first by
    /// 0.013, and stage3's features tested at 0.738 against 0.691).
    /// </summary>
    private static (IReadOnlyList<string>? layers, string text) FeatureLayerAdvice(IReadOnlyList<GroupTransferability>? scores, string strategy)
    {
        if (scores is not { Count: > 0 }) return (null, "");
        string scored = $" Transferability (LogME per layer group, higher is better): {string.Join(", ", scores.Select(s => $"{s.Group} {s.LogMe:F3}"))}.";
        GroupTransferability last = scores[^1], best = scores.MaxBy(s => s.LogMe)!;
        string Use(string group) => strategy == "feature-extraction" ? $": use --features {group}" : $" (for feature extraction: --features {group})";
        if (best.Group != last.Group && best.LogMe > last.LogMe)
            return (new[] { best.Group }, $"{scored} {best.Group}'s features transfer better than the last group's{Use(best.Group)}.");
        if (scores.FirstOrDefault(s => s.NoiseBelowLast is { } noise && s.Group != last.Group && last.LogMe - s.LogMe < noise && s.Width < last.Width) is { } close)
            return (new[] { close.Group }, $"{scored} {last.Group} ranks first by {last.LogMe - close.LogMe:F3}, less than the sampling noise of that difference ({close.NoiseBelowLast:F3}, bootstrap): {close.Group}'s {close.Width} features per image against {last.Width} are the lower-variance choice{Use(close.Group)}.");
        return (new[] { last.Group }, $"{scored} The last group's features transfer best.");
    }
}

/// <summary>Measures what the advisor needs on a dataset.</summary>
public static class AdviceMeasurements
{
    /// <summary>N, class sizes, channels, d, the frequency verdict and P of each strategy, for <paramref name="data"/> on <paramref name="backbone"/>.</summary>
    public static (AdviceInputs inputs, DomainDistanceResult? distance, FrequencyReport? frequency) Measure(Backbones.Backbone backbone, Data.ImageDataset data,
        Progress.IProgressSink progress, int sample = 128, int transferabilityPerClass = 50, int? imageSide = null)
    {
        int[] counts = data.CountsPerClass();
        var sources = data.Items.Select(i => i.Source).ToList();
        int channels = sources.Count == 0 ? 3 : Adapters.ChannelInput.Read(sources[0]).Channels;
        bool eightBit = sources.All(s => s is not Data.IChannelSource);
        DomainDistanceResult? distance = eightBit ? DomainDistance.Measure(backbone, sources, progress, maxImages: sample) : null;
        FrequencyReport? frequency = eightBit ? FrequencyAnalysis.Analyse(backbone, sources, progress, maxImages: sample) : null;
        long head = (long)backbone.FeatureWidth * data.ClassNames.Count + data.ClassNames.Count;
        long all = backbone.Network.parameters().Sum(p => p.numel()) + head;
        long batchNorm = backbone.Network.BatchNorms().Sum(b => b.layer.parameters().Sum(p => p.numel())) + head;
        var parameters = new Dictionary<string, long>
        {
            ["feature-extraction"] = head, ["adabn"] = head, ["bn-only"] = batchNorm,
            ["fine-tune"] = all, ["gradual-unfreeze"] = all, ["l2-sp"] = all, ["lp-ft"] = all, ["scratch"] = all,
        };
        IReadOnlyList<GroupTransferability>? transferability = eightBit && counts.Length > 1 && data.Count >= 2
            ? Transferability.PerGroup(backbone, data, progress, transferabilityPerClass) : null;
        IReadOnlyDictionary<string, double>? asymmetry = eightBit && data.Count > 0 ? Orientation.PerClass(data, progress: progress) : null;
        var inputs = new AdviceInputs(data.Count, data.ClassNames.Count, counts.DefaultIfEmpty(0).Min(), channels, distance?.Overall, frequency?.TuneEarlyLayers ?? false, parameters, transferability,
            imageSide ?? ImageSide(data), backbone.Config.InputSize, asymmetry);
        return (inputs, distance, frequency);
    }

    /// <summary>The median shorter side of up to <paramref name="sample"/> images spread over the dataset; null when empty.</summary>
    public static int? ImageSide(Data.ImageDataset data, int sample = 16)
    {
        if (data.Count == 0) return null;
        int step = Math.Max(1, data.Count / sample);
        var sides = new List<int>();
        for (int i = 0; i < data.Count && sides.Count < sample; i += step)
        {
            var image = Adapters.ChannelInput.Read(data.Items[i].Source);
            sides.Add(Math.Min(image.Height, image.Width));
        }
        sides.Sort();
        return sides[sides.Count / 2];
    }
}
