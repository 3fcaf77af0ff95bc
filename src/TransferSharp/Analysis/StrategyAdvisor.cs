using TransferSharp.Strategies;

namespace TransferSharp.Analysis;

/// <summary>
/// The bias-variance trade-off made concrete: few labelled images per class make every tuned parameter a source of
/// variance (feature extraction), many make the pretrained bias the limit (fine-tune everything); a far domain with few
/// images calls for careful adaptation, a task in high frequencies for tuned early layers. The thresholds are measured
/// (bench/README.md, "The advisor's task suite").
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
        string adapterWhy = m.Channels is 1 or 3
            ? ""
            : $" {m.Channels} channels: the conv1x1 adapter learns how to mix them into the three the backbone "
                + "reads, fitted with the head on the frozen backbone before LP-FT or gradual unfreezing move it "
                + "(LP-FT's adapter stage, gradual unfreezing's head stage); "
                + "weight-sum when every layer trains at once (fine-tune, l2-sp, scratch), whose first convolution "
                + "then learns the bands itself.";
        string RatioText(StrategyDescriptor strategy) =>
            m.TrainableParameters.TryGetValue(strategy.Name, out long p) && m.Images > 0
                ? $"P/N = {p:N0}/{m.Images:N0} = {p / (double)m.Images:G3}"
                : "P/N not measured";
        int? inputSize = InputSizeFor(m.ImageSide, m.NativeSize);
        const string upsampled =
            "upsampled at most 4x: on Fashion-MNIST 112 px beat 64 px by 4 points, feature extraction at 10 per class, "
            + "0.710 against 0.670; beyond that the cost grows with the square of the size and no detail is added";
        string sizeText = inputSize is { } advisedSize
            ? $" Input: {advisedSize} px for {m.ImageSide} px images "
                + $"({(advisedSize >= m.NativeSize ? "the backbone's own size" : upsampled)})."
            : "";
        if (m.SmallestClass < 2)
            return new Advice(
                "too-small",
                StrategyRegistry.FeatureExtraction,
                adapter,
                Array.Empty<StrategyDescriptor>(),
                $"The smallest class has {m.SmallestClass} image(s): too few to hold out a validation image, so "
                    + $"nothing can be tuned or checked; feature extraction only "
                    + $"({RatioText(StrategyRegistry.FeatureExtraction)}).{adapterWhy}{sizeText}",
                InputSize: inputSize
            );
        string size =
            perClass < FewPerClass ? "few-data"
            : perClass < ManyPerClass ? "some-data"
            : "much-data";
        string domain =
            m.DomainDistance is not { } d ? "unknown-domain"
            : d < NearDomain ? "near-domain"
            : d > FarDomain ? "far-domain"
            : "moderate-domain";
        (StrategyDescriptor strategy, StrategyDescriptor[] alternatives, string why) = (size, domain) switch
        {
            ("few-data", "far-domain") => (
                StrategyRegistry.GradualUnfreeze,
                new[] { StrategyRegistry.BatchNormOnly, StrategyRegistry.FeatureExtraction },
                "few images and a domain far from the pretraining data: adapt carefully, the head first and deeper "
                    + "groups only while validation improves"
            ),
            ("few-data", _) => (
                StrategyRegistry.FeatureExtraction,
                new[] { StrategyRegistry.LpFt, StrategyRegistry.GradualUnfreeze },
                "few images per class: tuning millions of parameters on them is all variance; the frozen features "
                    + "are the low-variance choice"
            ),
            ("some-data", "near-domain") => (
                StrategyRegistry.LpFt,
                new[] { StrategyRegistry.FineTune, StrategyRegistry.FeatureExtraction },
                "enough images to tune, and a domain near the pretraining data: start from a linear probe so "
                    + "fine-tuning does not distort good features"
            ),
            // LP-FT beat fine-tuning on every 100-per-class task of the advisor's suite (bench/README.md).
            ("some-data", "moderate-domain") => (
                StrategyRegistry.LpFt,
                new[] { StrategyRegistry.FineTune, StrategyRegistry.L2Sp },
                "enough images to tune everything, and a domain not so far that the pretrained features are "
                    + "useless: a linear probe first, so that fine-tuning starts from a head that already fits "
                    + "instead of pushing a random head's gradients into the backbone"
            ),
            ("some-data", _) => (
                StrategyRegistry.FineTune,
                new[] { StrategyRegistry.L2Sp, StrategyRegistry.LpFt },
                "enough images to tune everything with discriminative rates; the domain is not close enough for "
                    + "frozen features to be the ceiling"
            ),
            _ => (
                StrategyRegistry.FineTune,
                new[] { StrategyRegistry.L2Sp, StrategyRegistry.LpFt },
                "many images per class: the pretrained bias, not variance, is the limit; fine-tune everything"
            ),
        };
        string frequency = "";
        if (m.TuneEarlyLayers)
        {
            frequency =
                " The images carry high-frequency energy the stem attenuates: the early layers must train "
                + "(fine-tune from the stem).";
            if (strategy == StrategyRegistry.FeatureExtraction || strategy == StrategyRegistry.BatchNormOnly)
            {
                alternatives = new[] { strategy }
                    .Concat(alternatives.Where(a => a != StrategyRegistry.FineTune))
                    .ToArray();
                strategy = size == "few-data" ? StrategyRegistry.GradualUnfreeze : StrategyRegistry.FineTune;
            }
        }
        // Bands the backbone never saw: a learnable adapter must find them before the backbone moves, which LP-FT does
        // (its adapter stage) and fine-tuning everything at once does not (bench/README.md, multispectral task: LP-FT
        // 0.976 against fine-tune 0.884 at 8 epochs, 0.991 against 0.903 at 10).
        string bands = "";
        if (m.Channels is not (1 or 3) && (strategy == StrategyRegistry.FineTune || strategy == StrategyRegistry.L2Sp))
        {
            alternatives = new[] { strategy }.Concat(alternatives.Where(a => a != StrategyRegistry.LpFt)).ToArray();
            strategy = StrategyRegistry.LpFt;
            bands =
                $" With {m.Channels} channels, LP-FT rather than fine-tuning everything at once: the adapter learns "
                + "the bands with the head on the frozen backbone before the backbone moves.";
        }
        string dText = m.DomainDistance is { } dv ? $"d = {dv:F2} ({domain})" : "d not measured";
        var (layers, head, layerText) = FeatureLayerAdvice(m.Transferability, strategy);
        TrainingRecipe? training = RecipeFor(strategy);
        string trainingText = training is { } r
            ? $" Training: {r.Epochs} epochs{(strategy == StrategyRegistry.GradualUnfreeze ? " at most" : "")}, "
                + $"learning rate {r.HeadLearningRate:G2} for the "
                + $"head{(r.StemLearningRate < r.HeadLearningRate
                    ? $" down to {r.StemLearningRate:G2} for the stem (discriminative rates)"
                    : " for every group")}, {r.Schedule} schedule."
            : " Head: multinomial logistic regression, 300 full-batch steps, its weight decay chosen on validation.";
        var (flips, flipText) = FlipAdvice(m.MirrorAsymmetry);
        var (shifts, shiftText) = ShiftAdvice(m.CentredShare);
        return new Advice(
            $"{size}/{domain}",
            strategy,
            adapter,
            alternatives,
            $"N = {m.Images:N0} labelled images, {perClass:F0} per class (smallest class {m.SmallestClass}), "
                + $"{RatioText(strategy)}, {dText}: regime {size}/{domain}. Recommended: {strategy}, because "
                + $"{why}.{frequency}{bands}{adapterWhy}{layerText}{sizeText}{trainingText}{flipText}{shiftText}",
            layers,
            inputSize,
            training,
            flips,
            head,
            shifts
        );
    }

    /// <summary>
    /// Random shifts or not, from the share of images that sit where their class's others do (<see cref="Alignment"/>):
    /// in aligned data a shifted training image is one the task never shows. In words and in <see
    /// cref="Advice.RandomShifts"/>; auto follows it, others pass --augment none.
    /// </summary>
    private static (bool? shifts, string text) ShiftAdvice(double? centred)
    {
        if (centred is not { } share)
            return (null, "");
        string measured =
            $"{100 * share:F0} % of the images match their class's mean image best unshifted (within a pixel at "
            + $"32 px; {100 * Alignment.ChanceShare:F0} % where objects sit anywhere, aligned above "
            + $"{100 * Alignment.AlignedAbove:F0} %)";
        if (share <= Alignment.AlignedAbove)
            return (true, $" Alignment: {measured}: random shifts suit the data.");
        return (
            false,
            $" Alignment: {measured}: the images are aligned, and random shifts train on images your data never "
                + "shows, so train network strategies with --augment none (the advisor suite's Fashion-MNIST variants, "
                + "LP-FT at 100 per class: +1.2 points test accuracy, mean of four tasks; auto trains its network "
                + "strategies without shifts, --keep-shifts keeps them)."
        );
    }

    /// <summary>
    /// Random flips or not, from the classes' mirror asymmetry: a class whose mean image is one-sided (above <see
    /// cref="Orientation.OrientedAbove"/>) always faces one way, and a flipped training image of it is one the task
    /// never shows. In words and in <see cref="Advice.RandomFlips"/>; auto follows it, others pass --no-flip.
    /// </summary>
    private static (bool? flips, string text) FlipAdvice(IReadOnlyDictionary<string, double>? asymmetry)
    {
        if (asymmetry is not { Count: > 0 })
            return (null, "");
        var oriented = asymmetry
            .Where(p => p.Value > Orientation.OrientedAbove)
            .OrderByDescending(p => p.Value)
            .ToList();
        if (oriented.Count == 0)
            return (
                true,
                $" Orientation: no class's mean image is one-sided beyond chance (mirror asymmetry at most "
                    + $"{asymmetry.Values.Max():F3}, oriented above {Orientation.OrientedAbove}): random flips suit "
                    + $"the data."
            );
        string listed = string.Join(", ", oriented.Select(p => $"{p.Key} {p.Value:F3}"));
        return (
            false,
            $" Orientation: {oriented.Count} of {asymmetry.Count} classes face one way (mean-image mirror asymmetry "
                + $"beyond chance {listed}; oriented above {Orientation.OrientedAbove}): random flips train on "
                + $"images your data never shows, so train network strategies with --no-flip (Fashion-MNIST, "
                + $"LP-FT at 100 per class: +0.9 points test accuracy, mean of three seeds; auto trains its "
                + $"network strategies without flips, --keep-flips keeps them)."
        );
    }

    /// <summary>
    /// The input size for images whose shorter side is <paramref name="imageSide"/>: the backbone's own when they are
    /// at least that large, otherwise at most 4x upsampling (rounded up to a multiple of 16, at least 64, at most
    /// native).
    /// </summary>
    public static int? InputSizeFor(int? imageSide, int nativeSize)
    {
        if (imageSide is not > 0 || nativeSize <= 0)
            return null;
        if (imageSide >= nativeSize)
            return nativeSize;
        int upsampled = (int)Math.Ceiling(4.0 * imageSide.Value / 16) * 16;
        return Math.Clamp(upsampled, Math.Min(64, nativeSize), nativeSize);
    }

    /// <summary>The epochs and learning rates a network strategy trains with here (its defaults); null for feature
    /// extraction.</summary>
    public static TrainingRecipe? RecipeFor(StrategyDescriptor strategy)
    {
        if (strategy == StrategyRegistry.FeatureExtraction)
            return null;
        Training.TrainingSettings t = strategy.Create().Settings(new Training.TrainingOptions(), 0);
        return new TrainingRecipe(
            t.Epochs,
            t.LearningRate,
            t.LearningRate / t.LrSpread,
            t.Schedule.ToString().ToLowerInvariant()
        );
    }

    /// <summary>
    /// The feature layers for feature extraction: the group LogME ranks first. When the last group leads by less than
    /// the bootstrap noise of the difference, the narrower runner-up is chosen: the two are indistinguishable on this
    /// sample, and it gives the head fewer weights to fit (bench/README.md, "The advisor's task suite"). The head of a
    /// fine-tuning strategy reads that group too when it is an intermediate one (null: the last group).
    /// </summary>
    private static (IReadOnlyList<string>? layers, IReadOnlyList<string>? head, string text) FeatureLayerAdvice(
        IReadOnlyList<GroupTransferability>? scores,
        StrategyDescriptor strategy
    )
    {
        if (scores is not { Count: > 0 })
            return (null, null, "");
        string scored =
            $" Transferability (LogME per layer group, higher is better): "
            + $"{string.Join(", ", scores.Select(s => $"{s.Group} {s.LogMe:F3}"))}.";
        GroupTransferability last = scores[^1],
            best = scores.MaxBy(s => s.LogMe)!;
        string Use(string group) =>
            strategy == StrategyRegistry.FeatureExtraction
                ? $": use --features {group}"
                : $" (--features {group} --feature-grid 2: the new head reads it, and the later groups are left out)";
        if (best.Group != last.Group && best.LogMe > last.LogMe)
            return (
                new[] { best.Group },
                new[] { best.Group },
                $"{scored} {best.Group}'s features transfer better than the last group's{Use(best.Group)}."
            );
        if (
            scores.FirstOrDefault(s =>
                s.NoiseBelowLast is { } noise
                && s.Group != last.Group
                && last.LogMe - s.LogMe < noise
                && s.Width < last.Width
            ) is
            { } close
        )
            return (
                new[] { close.Group },
                new[] { close.Group },
                $"{scored} {last.Group} ranks first by {last.LogMe - close.LogMe:F3}, less than the sampling noise "
                    + $"of that difference ({close.NoiseBelowLast:F3}, bootstrap): {close.Group}'s {close.Width} "
                    + $"features per image against {last.Width} are the lower-variance choice{Use(close.Group)}."
            );
        return (new[] { last.Group }, null, $"{scored} The last group's features transfer best.");
    }
}
