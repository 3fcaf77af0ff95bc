using TransferSharp.Progress;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>
/// Multinomial logistic regression on cached features, standardised: the L2 penalty is chosen on the validation split
/// by validation loss (a proper score, steadier than accuracy on small splits), then the head is refitted on all
/// labelled images. Each fit is minimised by L-BFGS to convergence, strongest penalty first, each from the last one's
/// solution (scikit-learn's regularisation path), or by the older fixed-step Adam (<see cref="HeadSolver"/>).
/// </summary>
public static class LinearProbe
{
    /// <summary>Fits the head.</summary>
    public static LinearProbeResult Fit(
        Tensor trainFeatures,
        Tensor trainLabels,
        Tensor validationFeatures,
        Tensor validationLabels,
        int classes,
        LinearProbeOptions options,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation = default
    )
    {
        int width = (int)trainFeatures.shape[1];
        List<WeightDecayTrial> trials;
        Dictionary<double, ClassifierHead> heads;
        using (
            var task = progress.Begin("head: choosing weight decay on the validation split", options.WeightDecays.Count)
        )
        {
            var search = options.Solver == HeadSolver.Lbfgs ? (Search)Path : AdamTrials;
            var split = new Split(trainFeatures, trainLabels, validationFeatures, validationLabels, classes);
            (trials, heads) = search(split, options, task, cancellation);
        }
        WeightDecayTrial best = trials
            .OrderBy(t => t.ValidationLoss)
            .ThenByDescending(t => t.ValidationAccuracy)
            .First();
        ClassifierHead trainOnly = heads.TryGetValue(best.WeightDecay, out var kept)
            ? kept
            : Train(trainFeatures, trainLabels, width, classes, best.WeightDecay, options);
        foreach (var other in heads.Values.Where(h => h != trainOnly))
            other.Dispose();
        double trainAccuracy = Score(trainOnly, trainFeatures, trainLabels).accuracy;
        progress.Info(
            $"head: weight decay {best.WeightDecay:G3} chosen (validation loss {best.ValidationLoss:F4}, accuracy "
                + $"{best.ValidationAccuracy:P1})"
        );
        ClassifierHead final = trainOnly;
        if (options.RefitOnAll && validationFeatures.shape[0] > 0)
        {
            using var scope = NewDisposeScope();
            Tensor allFeatures = cat(new[] { trainFeatures, validationFeatures }, 0);
            Tensor allLabels = cat(new[] { trainLabels, validationLabels }, 0);
            final = Train(allFeatures, allLabels, width, classes, best.WeightDecay, options, trainOnly, cancellation);
            trainOnly.Dispose();
        }
        return new LinearProbeResult(
            final,
            best.WeightDecay,
            best.ValidationAccuracy,
            best.ValidationLoss,
            trainAccuracy,
            trials
        );
    }

    // The labelled features a search fits on and scores with.
    private sealed record Split(Tensor TrainX, Tensor TrainY, Tensor ValidationX, Tensor ValidationY, int Classes);

    private delegate (List<WeightDecayTrial>, Dictionary<double, ClassifierHead>) Search(
        Split split,
        LinearProbeOptions options,
        ProgressTask task,
        CancellationToken cancellation
    );

    // The penalties strongest first, each fit starting from the previous solution: a strongly penalised fit converges
    // in a few iterations, and each weaker one starts near its own optimum.
    private static (List<WeightDecayTrial>, Dictionary<double, ClassifierHead>) Path(
        Split split,
        LinearProbeOptions options,
        ProgressTask task,
        CancellationToken cancellation
    )
    {
        var (trainFeatures, trainLabels, validationFeatures, validationLabels, classes) = split;
        int width = (int)trainFeatures.shape[1];
        using var template = new ClassifierHead(width, classes);
        template.SetStandardization(trainFeatures, options.PerFeatureScale);
        using var problem = Problem(template, trainFeatures, trainLabels, classes);
        var found = new Dictionary<double, (WeightDecayTrial trial, ClassifierHead head)>();
        double[]? start = null;
        foreach (double decay in options.WeightDecays.Distinct().OrderByDescending(d => d))
        {
            cancellation.ThrowIfCancellationRequested();
            var (solution, evaluations) = problem.Minimize(decay, start, options.Steps, cancellation);
            start = solution;
            ClassifierHead head = Copy(template);
            problem.CopyTo(solution, head);
            var (loss, accuracy) = Score(head, validationFeatures, validationLabels);
            found[decay] = (new WeightDecayTrial(decay, loss, accuracy, evaluations), head);
            task.Advance(1);
        }
        // Trials in the order asked, so that ties between penalties resolve as before.
        return (
            options.WeightDecays.Distinct().Select(d => found[d].trial).ToList(),
            found.ToDictionary(f => f.Key, f => f.Value.head)
        );
    }

    private static (List<WeightDecayTrial>, Dictionary<double, ClassifierHead>) AdamTrials(
        Split split,
        LinearProbeOptions options,
        ProgressTask task,
        CancellationToken cancellation
    )
    {
        var (trainFeatures, trainLabels, validationFeatures, validationLabels, classes) = split;
        int width = (int)trainFeatures.shape[1];
        var trials = new List<WeightDecayTrial>();
        foreach (double decay in options.WeightDecays)
        {
            cancellation.ThrowIfCancellationRequested();
            using ClassifierHead head = Train(trainFeatures, trainLabels, width, classes, decay, options);
            var (loss, accuracy) = Score(head, validationFeatures, validationLabels);
            trials.Add(new WeightDecayTrial(decay, loss, accuracy));
            task.Advance(1);
        }
        // Adam's heads are re-trained at the chosen penalty (its seed reset), as they always were.
        return (trials, new Dictionary<double, ClassifierHead>());
    }

    private static SoftmaxRegression Problem(ClassifierHead head, Tensor features, Tensor labels, int classes)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return new SoftmaxRegression(head.Standardize(features), labels, classes);
    }

    private static ClassifierHead Copy(ClassifierHead template)
    {
        var head = new ClassifierHead(template.Width, template.Classes);
        using var _ = no_grad();
        foreach (var (name, tensor) in template.state_dict())
            head.state_dict()[name].copy_(tensor);
        return head;
    }

    /// <summary>
    /// Trains one head at one penalty; L-BFGS starts from <paramref name="warmStart"/>'s weights when given (a head on
    /// nearby data: the same optimum, fewer iterations).
    /// </summary>
    public static ClassifierHead Train(
        Tensor features,
        Tensor labels,
        int width,
        int classes,
        double weightDecay,
        LinearProbeOptions options,
        ClassifierHead? warmStart = null,
        CancellationToken cancellation = default
    )
    {
        manual_seed(options.Seed);
        var head = new ClassifierHead(width, classes);
        head.SetStandardization(features, options.PerFeatureScale);
        if (options.Solver == HeadSolver.Lbfgs)
        {
            using var problem = Problem(head, features, labels, classes);
            double[]? start = warmStart is null ? null : SoftmaxRegression.From(warmStart);
            problem.CopyTo(problem.Minimize(weightDecay, start, options.Steps, cancellation).parameters, head);
            return head;
        }
        using var optimizer = new Optimizers.Adam(head.parameters(), options.LearningRate);
        for (int step = 0; step < options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            double rate = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / options.Steps));
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = rate;
            optimizer.zero_grad();
            Tensor loss =
                F.cross_entropy(head.forward(features), labels) + 0.5 * weightDecay * head.Weight.pow(2).sum();
            loss.backward();
            optimizer.step();
        }
        return head;
    }

    /// <summary>
    /// Out-of-fold log-probabilities: every row predicted by a head trained (at <paramref name="weightDecay"/>) on the
    /// other folds (stratified by label). Gives a held-out calibration set as large as the labelled data, for the cost
    /// of <paramref name="folds"/> head fits on cached features. With <paramref name="mirrored"/>, each fold trains on
    /// both views and predicts the mean of both, like the final model.
    /// </summary>
    public static double[][] OutOfFold(
        Tensor features,
        Tensor labels,
        Tensor? mirrored,
        int classes,
        double weightDecay,
        LinearProbeOptions options,
        IProgress<ProgressUpdate>? progress,
        int folds = 5,
        ClassifierHead? warmStart = null
    )
    {
        int n = (int)features.shape[0],
            width = (int)features.shape[1];
        long[] y = labels.data<long>().ToArray();
        var random = new Random(options.Seed + 104729);
        int[] fold = new int[n];
        foreach (var group in Enumerable.Range(0, n).GroupBy(i => y[i]))
        {
            int[] members = group.ToArray();
            random.Shuffle(members);
            for (int k = 0; k < members.Length; k++)
                fold[members[k]] = k % folds;
        }
        var result = new double[n][];
        using var task = progress.Begin($"calibration: {folds}-fold out-of-fold predictions", folds);
        for (int f = 0; f < folds; f++)
        {
            using var scope = NewDisposeScope();
            long[] trainRows = Enumerable.Range(0, n).Where(i => fold[i] != f).Select(i => (long)i).ToArray();
            long[] testRows = Enumerable.Range(0, n).Where(i => fold[i] == f).Select(i => (long)i).ToArray();
            if (testRows.Length == 0 || trainRows.Length == 0)
            {
                task.Advance(1);
                continue;
            }
            Tensor trainIndex = tensor(trainRows),
                testIndex = tensor(testRows);
            Tensor x = features.index_select(0, trainIndex),
                t = labels.index_select(0, trainIndex);
            if (mirrored is not null)
            {
                x = cat(new[] { x, mirrored.index_select(0, trainIndex) }, 0);
                t = cat(new[] { t, t }, 0);
            }
            using ClassifierHead head = Train(x, t, width, classes, weightDecay, options, warmStart);
            using var _ = no_grad();
            Tensor logits = head.forward(features.index_select(0, testIndex));
            if (mirrored is not null)
                logits = (logits + head.forward(mirrored.index_select(0, testIndex))) / 2;
            double[] flat = F.log_softmax(logits.to(ScalarType.Float64), 1).data<double>().ToArray();
            for (int r = 0; r < testRows.Length; r++)
                result[testRows[r]] = flat.AsSpan(r * classes, classes).ToArray();
            task.Advance(1);
        }
        return result;
    }

    /// <summary>Mean cross-entropy and accuracy of a head on features.</summary>
    public static (double loss, double accuracy) Score(ClassifierHead head, Tensor features, Tensor labels)
    {
        if (features.shape[0] == 0)
            return (double.NaN, double.NaN);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor logits = head.forward(features);
        double loss = F.cross_entropy(logits, labels).item<float>();
        double accuracy = logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
        return (loss, accuracy);
    }
}
