using MathNet.Numerics.Distributions;
using TransferSharp.Training;

namespace TransferSharp.Analysis;

/// <summary>
/// Tells covariate, label and concept shift apart. Covariate: p(x) differs (kernel two-sample test on backbone
/// features). Label: the predicted-label distribution differs (BBSD) and re-weighting the source by the estimated
/// priors explains the difference in p(x) (the residual test is no longer significant). Concept: with a few labelled
/// target images, the model does significantly worse than its calibrated confidence under the estimated label shift
/// predicts, so p(y|x) itself moved.
/// </summary>
public static class ShiftDiagnoser
{
    /// <summary>Runs every test and writes the verdict.</summary>
    public static ShiftReport Diagnose(
        ShiftInputs inputs,
        IReadOnlyList<string> classNames,
        ShiftDiagnosisOptions? options = null
    )
    {
        options ??= new ShiftDiagnosisOptions();
        CalibrationSet validation = inputs.Validation;
        int k = validation.Classes;
        if (classNames.Count != k)
            throw new ArgumentException($"{classNames.Count} class names for a {k}-class model");
        if (inputs.TargetLogProbabilities.Length < 2)
            throw new ArgumentException("the target needs at least 2 images");

        // 1. Covariate: is p(x) different?
        MmdResult mmd = TwoSample.Mmd(inputs.SourceFeatures, inputs.TargetFeatures, options.Permutations, options.Seed);
        var covariate = new TestResult(
            "covariate (MMD on features)",
            mmd.Mmd2,
            mmd.PValue,
            mmd.PValue < options.Alpha,
            $"Gaussian-kernel MMD², bandwidth {mmd.Bandwidth:G4} (median heuristic), {mmd.Permutations} "
                + $"permutations, {mmd.SourceCount} source vs {mmd.TargetCount} target"
        );

        // 2. Label: predicted-label distributions (BBSD) and the priors (EM + BCTS, BBSE).
        TestResult predicted = ChiSquareHomogeneity(
            validation.LogProbabilities.Select(r => ModelEvaluation.ArgMax(r)),
            inputs.TargetLogProbabilities.Select(r => ModelEvaluation.ArgMax(r)),
            k,
            options.Alpha
        );
        var (em, calibration) = LabelShift.EmWithBcts(validation, inputs.TargetLogProbabilities);
        double[][] calibratedTarget = calibration.Probabilities(inputs.TargetLogProbabilities);
        var (low, high) = LabelShift.BootstrapInterval(
            calibratedTarget,
            validation.SourcePriors,
            options.BootstrapResamples,
            0.95,
            options.Seed
        );
        var priors = new PriorReport(
            classNames,
            validation.SourcePriors,
            em,
            low,
            high,
            LabelShift.Bbse(validation, inputs.TargetLogProbabilities, soft: false),
            LabelShift.Bbse(validation, inputs.TargetLogProbabilities, soft: true, calibration),
            calibration
        );

        // 3. What label shift does not explain: re-weight the source by w_y (rejection sampling, no duplicates) and
        // test again.
        TestResult? residual = null;
        double[] w = em.Weights;
        double maxW = w.Max();
        if (maxW > 0)
        {
            var random = new Random(options.Seed + 1);
            var kept = Enumerable
                .Range(0, inputs.SourceFeatures.Count)
                .Where(i => random.NextDouble() < w[inputs.SourceLabels[i]] / maxW)
                .ToList();
            if (kept.Count >= 10)
            {
                MmdResult r = TwoSample.Mmd(
                    kept.Select(i => inputs.SourceFeatures[i]).ToList(),
                    inputs.TargetFeatures,
                    options.Permutations,
                    options.Seed + 2
                );
                residual = new TestResult(
                    "residual covariate (MMD after label-shift re-weighting)",
                    r.Mmd2,
                    r.PValue,
                    r.PValue < options.Alpha,
                    $"source re-weighted by the estimated priors (rejection sampling kept {kept.Count} of "
                        + $"{inputs.SourceFeatures.Count}), {r.Permutations} permutations"
                );
            }
        }

        // 4. Concept: with labelled target images, does the model fall short of what label shift alone predicts?
        ConceptCheck? concept = null;
        if (
            inputs.LabelledTargetLogProbabilities is { Length: > 0 } labelledLogs
            && inputs.LabelledTargetLabels is { } labels
        )
        {
            double[][] calibrated = calibration.Probabilities(labelledLogs);
            double[][] corrected = LabelShift.Adjust(calibrated, w);
            int[] raw = labelledLogs.Select(r => ModelEvaluation.ArgMax(r)).ToArray();
            double observed = raw.Select((p, i) => p == labels[i] ? 1.0 : 0).Sum();
            // If only the priors moved, the corrected calibrated posterior of the model's own prediction is its chance
            // of being right.
            double[] chance = raw.Select((p, i) => corrected[i][p]).ToArray();
            double expected = chance.Sum();
            double variance = chance.Sum(p => p * (1 - p));
            double z =
                variance > 0
                    ? (observed - expected) / Math.Sqrt(variance)
                    : (observed < expected ? double.NegativeInfinity : 0);
            double pValue = Normal.CDF(0, 1, z);
            double correctedAccuracy = corrected
                .Select((p, i) => ModelEvaluation.ArgMax(p) == labels[i] ? 1.0 : 0)
                .Average();
            concept = new ConceptCheck(
                labels.Length,
                observed / labels.Length,
                expected / labels.Length,
                correctedAccuracy,
                new TestResult(
                    "concept (accuracy against the label-shift prediction)",
                    z,
                    pValue,
                    pValue < options.Alpha,
                    $"one-sided z-test: {observed} correct of {labels.Length}, {expected:F1} expected from the "
                        + $"calibrated, prior-corrected confidences"
                )
            );
        }

        var (verdict, explanation, recommendation) = Verdict(covariate, predicted, residual, priors, concept);
        return new ShiftReport(verdict, explanation, recommendation, covariate, predicted, residual, priors, concept);
    }

    /// <summary>Chi-square test of homogeneity of two categorical samples (classes seen in neither are
    /// dropped).</summary>
    public static TestResult ChiSquareHomogeneity(
        IEnumerable<int> first,
        IEnumerable<int> second,
        int classes,
        double alpha
    )
    {
        double[] a = new double[classes],
            b = new double[classes];
        foreach (int c in first)
            a[c]++;
        foreach (int c in second)
            b[c]++;
        double na = a.Sum(),
            nb = b.Sum(),
            n = na + nb;
        double statistic = 0;
        int used = 0;
        for (int c = 0; c < classes; c++)
        {
            double column = a[c] + b[c];
            if (column == 0)
                continue;
            used++;
            double ea = column * na / n,
                eb = column * nb / n;
            statistic += (a[c] - ea) * (a[c] - ea) / ea + (b[c] - eb) * (b[c] - eb) / eb;
        }
        int df = Math.Max(1, used - 1);
        double p = 1 - ChiSquared.CDF(df, statistic);
        return new TestResult(
            "label (BBSD: chi-square on predicted labels)",
            statistic,
            p,
            p < alpha,
            $"predicted-label counts of {na} validation vs {nb} target images, {df} degrees of freedom"
        );
    }

    private static (string verdict, string explanation, string recommendation) Verdict(
        TestResult covariate,
        TestResult predicted,
        TestResult? residual,
        PriorReport priors,
        ConceptCheck? concept
    )
    {
        string Top()
        {
            var moved = priors
                .EmBcts.Priors.Select((p, c) => (c, p, s: priors.SourcePriors[c]))
                .OrderByDescending(t => Math.Abs(t.p - t.s))
                .Take(3)
                .Select(t =>
                    $"{priors.ClassNames[t.c]} {t.s:P0} -> {t.p:P0} [{priors.Low[t.c]:P0}, {priors.High[t.c]:P0}]"
                );
            return string.Join(", ", moved);
        }
        string numbers =
            $"p(x) test p = {covariate.PValue:G3}; predicted-label test p = {predicted.PValue:G3}"
            + (residual is null ? "" : $"; after label-shift re-weighting p = {residual.PValue:G3}");
        bool labelMoved = predicted.Significant;
        bool unexplained = residual?.Significant ?? covariate.Significant;
        if (concept is { Test.Significant: true })
        {
            string what = unexplained ? "covariate-and-concept-shift" : "concept-shift";
            return (
                what,
                $"On {concept.Images} labelled target images the model is right {concept.ObservedAccuracy:P1} of "
                    + $"the time, where a pure label shift predicts {concept.ExpectedAccuracy:P1} (z = "
                    + $"{concept.Test.Statistic:F2}, p = {concept.Test.PValue:G3}): p(y|x) itself has changed"
                    + (unexplained ? ", and the images differ beyond what the class priors explain" : "")
                    + $". {numbers}.",
                "Re-weighting cannot fix a changed labelling rule: label target images and fine-tune on them (start "
                    + "from this model; `fit --strategy lp-ft` on the combined data), and check the label definitions."
            );
        }
        if (!covariate.Significant && !labelMoved)
            return (
                "no-shift",
                $"No shift detected: {numbers}. Largest estimated prior changes (95% bootstrap intervals): {Top()}.",
                "None needed. Keep monitoring; with few target images the tests have little power."
            );
        if (labelMoved && !unexplained)
            return (
                "label-shift",
                $"Label shift: the predicted-label distribution moved, and re-weighting the source by the estimated "
                    + $"priors explains the difference in the images. {numbers}. Largest prior changes: {Top()}.",
                "Correct the priors without new labels: `transfersharp predict RUN IMAGES --adjust-priors-from "
                    + "TARGET` (EM on BCTS-calibrated probabilities, Bayes re-weighting)."
            );
        if (labelMoved)
            return (
                "covariate-and-label-shift",
                $"Covariate and label shift: the class priors moved ({Top()}), and the images still differ after "
                    + $"re-weighting by them. {numbers}.",
                "Correct the priors (`predict --adjust-priors-from TARGET`), and adapt to the new images: "
                    + "re-estimate BatchNorm statistics on target images (AdaBN), augment toward the target's "
                    + "conditions, or fine-tune with target-like labelled data."
            );
        return (
            "covariate-shift",
            $"Covariate shift: the images differ (MMD² {covariate.Statistic:G3}) while the predicted-label "
                + $"distribution does not. {numbers}.",
            "Adapt the model to the new images: AdaBN on target images, augmentation that mimics the target's "
                + "conditions, or fine-tuning with a few labelled target images; give labelled target images to "
                + "`diagnose --target-labelled` to rule out concept shift."
        );
    }
}
