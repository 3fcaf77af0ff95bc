using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Analysis;

/// <summary>
/// The frequency response of a CNN: feed zero-mean sinusoidal gratings at each frequency (several orientations and
/// phases) on a mid-gray background, and measure, at every layer group's output, the energy of the response's change
/// from the blank background. Relative to the lowest frequency, in dB. Stacked convolutions, strides and pooling make
/// most CNNs low-pass: texture finer than the stem can pass is gone before any head sees it.
/// </summary>
public static class FrequencyAnalysis
{
    /// <summary>Log-spaced band centres from 2 cycles per image to Nyquist.</summary>
    public static double[] DefaultFrequencies(int size, int bands = 10)
    {
        double low = 2.0 / size,
            high = 0.5;
        return Enumerable.Range(0, bands).Select(i => low * Math.Pow(high / low, i / (double)(bands - 1))).ToArray();
    }

    /// <summary>Gratings [N, S, S, 1] (N = orientations x phases), values amplitude * cos(...).</summary>
    public static Tensor Gratings(int size, double frequency, int orientations, int phases, double amplitude)
    {
        var values = new float[orientations * phases * size * size];
        int n = 0;
        for (int o = 0; o < orientations; o++)
        {
            double theta = Math.PI * o / orientations,
                fx = frequency * Math.Cos(theta),
                fy = frequency * Math.Sin(theta);
            for (int p = 0; p < phases; p++, n++)
            {
                double phase = 2 * Math.PI * p / phases;
                for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    values[(n * size + y) * size + x] = (float)(
                        amplitude * Math.Cos(2 * Math.PI * (fx * x + fy * y) + phase)
                    );
            }
        }
        return tensor(values, new long[] { orientations * phases, size, size, 1 });
    }

    /// <summary>
    /// The response of any network: <paramref name="run"/> maps an input batch [N, S, S, 1] (the background plus a
    /// grating, in pixel units) to named stage outputs. Gain per stage and band, relative to the first band.
    /// </summary>
    public static FrequencyResponse Measure(
        Func<Tensor, IReadOnlyList<(string name, Tensor output)>> run,
        int size,
        double background,
        double amplitude,
        double[]? frequencies = null,
        int orientations = 8,
        int phases = 4,
        IProgress<ProgressUpdate>? progress = null
    )
    {
        frequencies ??= DefaultFrequencies(size);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var blank = run(full(new long[] { 1, size, size, 1 }, background));
        var names = blank.Select(b => b.name).ToList();
        var energy = names.Select(_ => new double[frequencies.Length]).ToArray();
        using var task = progress.Begin("frequency response: gratings", frequencies.Length);
        for (int b = 0; b < frequencies.Length; b++)
        {
            using var bandScope = NewDisposeScope();
            var outputs = run(Gratings(size, frequencies[b], orientations, phases, amplitude) + background);
            for (int g = 0; g < names.Count; g++)
                energy[g][b] = (outputs[g].output - blank[g].output).pow(2).mean().item<float>();
            task.Advance(1);
        }
        double[][] gain = energy
            .Select(e => e.Select(v => 10 * Math.Log10(Math.Max(v, 1e-30) / Math.Max(e[0], 1e-30))).ToArray())
            .ToArray();
        var highToLow = names.Select((n, g) => (n, gain[g][^1])).ToDictionary(p => p.n, p => p.Item2);
        return new FrequencyResponse(frequencies, names, gain, highToLow);
    }

    /// <summary>The response of a backbone's layer groups (the last node of each group, in eval mode).</summary>
    public static FrequencyResponse Measure(
        Backbone backbone,
        double[]? frequencies = null,
        int orientations = 8,
        int phases = 4,
        IProgress<ProgressUpdate>? progress = null
    )
    {
        var network = backbone.Network;
        var lastNode = new Dictionary<string, string>();
        foreach (GraphNode node in network.Nodes)
        foreach (var group in network.Groups)
            if (group.NodeNames.Contains(node.Name))
                lastNode[group.Name] = node.Name;
        var groupOfLast = lastNode.ToDictionary(p => p.Value, p => p.Key);
        bool wasTraining = network.training;
        network.eval();
        try
        {
            return Measure(
                pixels =>
                {
                    var outputs = new List<(string, Tensor)>();
                    network.Run(
                        backbone.Normalize(pixels),
                        (node, _, output) =>
                        {
                            if (groupOfLast.TryGetValue(node.Name, out string? group))
                                outputs.Add((group, output.clone()));
                        }
                    );
                    return outputs;
                },
                backbone.InputSize,
                background: 128,
                amplitude: 64,
                frequencies,
                orientations,
                phases,
                progress
            );
        }
        finally
        {
            network.train(wasTraining);
        }
    }

    /// <summary>Radially averaged spectral energy of gray versions of the images, per band (band edges: geometric
    /// midpoints).</summary>
    public static SpectralProfile Profile(IEnumerable<Tensor> pixelBatches, int size, double[] frequencies)
    {
        using var scope = NewDisposeScope();
        double[] edges = Edges(frequencies);
        // Radial frequency of every FFT bin.
        double[] radius = new double[size * size];
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            double fy = (y <= size / 2 ? y : y - size) / (double)size,
                fx = (x <= size / 2 ? x : x - size) / (double)size;
            radius[y * size + x] = Math.Sqrt(fx * fx + fy * fy);
        }
        var energy = new double[frequencies.Length];
        int images = 0;
        foreach (Tensor pixels in pixelBatches)
        {
            using var batchScope = NewDisposeScope();
            Tensor gray = pixels.to(ScalarType.Float32).mean(new long[] { 3 }); // [N, S, S]
            gray = gray - gray.mean(new long[] { 1, 2 }, keepdim: true);
            double[] power = fft.fft2(gray)
                .abs()
                .pow(2)
                .sum(new long[] { 0 })
                .to(ScalarType.Float64)
                .data<double>()
                .ToArray();
            images += (int)pixels.shape[0];
            pixels.Dispose();
            for (int i = 0; i < power.Length; i++)
            {
                int band = Band(radius[i], edges);
                if (band >= 0)
                    energy[band] += power[i];
            }
        }
        double total = energy.Sum();
        double[] share = energy.Select(e => total > 0 ? e / total : 0).ToArray();
        return new SpectralProfile(frequencies, share, NaturalShare(frequencies), images);
    }

    /// <summary>Natural images' share per band: power ∝ 1/f² in 2-D gives energy ∝ ln(upper / lower
    /// edge).</summary>
    public static double[] NaturalShare(double[] frequencies)
    {
        double[] edges = Edges(frequencies);
        double[] e = Enumerable.Range(0, frequencies.Length).Select(b => Math.Log(edges[b + 1] / edges[b])).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    private static double[] Edges(double[] centres)
    {
        var edges = new double[centres.Length + 1];
        edges[0] = centres[0] / Math.Sqrt(centres[1] / centres[0]);
        for (int i = 1; i < centres.Length; i++)
            edges[i] = Math.Sqrt(centres[i - 1] * centres[i]);
        edges[^1] = Math.Min(centres[^1] * Math.Sqrt(centres[^1] / centres[^2]), Math.Sqrt(0.5));
        return edges;
    }

    private static int Band(double r, double[] edges)
    {
        if (r < edges[0] || r >= edges[^1])
            return -1;
        for (int b = 0; b < edges.Length - 1; b++)
            if (r < edges[b + 1])
                return b;
        return -1;
    }

    /// <summary>The whole analysis: response, the images' profile, and a verdict at the cutoff (default a quarter cycle
    /// per pixel).</summary>
    public static FrequencyReport Analyse(
        Backbone backbone,
        IReadOnlyList<IImageSource>? images,
        IProgress<ProgressUpdate>? progress,
        int maxImages = 256,
        double cutoff = 0.25
    )
    {
        double[] frequencies = DefaultFrequencies(backbone.InputSize);
        FrequencyResponse response = Measure(backbone, frequencies, progress: progress);
        SpectralProfile? profile = null;
        if (images is { Count: > 0 })
        {
            int[] positions = Enumerable.Range(0, images.Count).ToArray();
            new Random(0).Shuffle(positions);
            positions = positions.Take(maxImages).Order().ToArray();
            var bad = new List<BadImage>();
            profile = Profile(
                ImageBatcher.Batches(images, positions, backbone.InputSize, 32, true, bad).Select(b => b.ToTensor()),
                backbone.InputSize,
                frequencies
            );
        }
        return Verdict(response, profile, cutoff);
    }

    /// <summary>The verdict from a response and an optional profile.</summary>
    public static FrequencyReport Verdict(FrequencyResponse response, SpectralProfile? profile, double cutoff = 0.25)
    {
        double[] f = response.Frequencies;
        int cutBand = Array.FindIndex(f, v => v >= cutoff);
        if (cutBand < 0)
            cutBand = f.Length - 1;
        int stage2 = response.Groups.ToList().FindIndex(g => g == "stage2");
        if (stage2 < 0)
            stage2 = Math.Min(2, response.Groups.Count - 1);
        double attenuation = response.GainDb[stage2][cutBand];
        double natural = NaturalShare(f).Skip(cutBand).Sum();
        double? share = profile?.Share.Skip(cutBand).Sum();
        string low = string.Join(", ", response.Groups.Select((g, i) => $"{g} {response.GainDb[i][^1]:+0.0;-0.0} dB"));
        string character = $"Gain at {f[^1]:F2} cycles/pixel relative to {f[0]:F3}: {low}.";
        bool tune = share is { } s && s > 1.5 * natural && attenuation < -6;
        string effect =
            attenuation < 0 ? $"attenuates by {-attenuation:F1} dB" : $"passes with {attenuation:+0.0} dB gain";
        string verdict =
            share is null
                ? $"{character} By {response.Groups[stage2]} the backbone {effect} at {f[cutBand]:F2} cycles/pixel. "
                    + $"Give images (--data) to compare them with it."
            : tune
                ? $"Your images carry {share:P0} of their energy above {f[cutBand]:F2} cycles/pixel (natural "
                    + $"images: {natural:P0}), which the backbone {effect} by {response.Groups[stage2]}: tune the "
                    + $"stem and stage 1 (fine-tune with --freeze-to 0, not feature extraction). {character}"
            : $"Your images carry {share:P0} of their energy above {f[cutBand]:F2} cycles/pixel (natural images: "
                + $"{natural:P0}); the backbone {effect} there by {response.Groups[stage2]}, "
                + (
                    share > natural
                        ? "but the high-frequency share is not far above natural images'"
                        : "which costs your task little"
                )
                + $": the early layers can stay frozen. {character}";
        return new FrequencyReport(response, profile, f[cutBand], share, natural, attenuation, tune, verdict);
    }

    /// <summary>Gain per group (one line each), and the images' and natural spectral shares when given.</summary>
    public static void Plot(FrequencyReport report, string path)
    {
        var plot = new ScottPlot.Plot();
        double[] xs = report.Response.Frequencies.Select(Math.Log10).ToArray();
        for (int g = 0; g < report.Response.Groups.Count; g++)
        {
            var line = plot.Add.Scatter(xs, report.Response.GainDb[g]);
            line.LegendText = report.Response.Groups[g];
        }
        if (report.Data is { } data)
        {
            var mine = plot.Add.Scatter(
                xs,
                data.Share.Select(v => 10 * Math.Log10(Math.Max(v, 1e-9) / Math.Max(data.Share[0], 1e-9))).ToArray()
            );
            mine.LegendText = "your images (energy, dB vs lowest band)";
            mine.LinePattern = ScottPlot.LinePattern.Dashed;
            var natural = plot.Add.Scatter(
                xs,
                data.NaturalShare.Select(v => 10 * Math.Log10(v / data.NaturalShare[0])).ToArray()
            );
            natural.LegendText = "natural images (1/f²)";
            natural.LinePattern = ScottPlot.LinePattern.Dotted;
        }
        plot.ShowLegend();
        plot.Title("Frequency response per layer group");
        plot.XLabel("log10 spatial frequency (cycles/pixel)");
        plot.YLabel("gain relative to the lowest band (dB)");
        plot.SavePng(path, 900, 550);
    }
}
