using MathNet.Numerics.Distributions;
using TransferSharp.Analysis;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Multimodal;

/// <summary>
/// Covariate shift between two tables of a multimodal run's columns: per record column a two-sample test (numbers and
/// dates: Kolmogorov-Smirnov on the present values; categories and booleans: a chi-square test of homogeneity, with
/// "missing" and "unknown" as categories), the image features by MMD, and Holm's correction over all of them.
/// </summary>
public static class RecordShift
{
    /// <summary>Tests every column of <paramref name="model"/>'s record, and its image features, between
    /// <paramref name="source"/> and <paramref name="target"/>.</summary>
    public static RecordShiftReport Diagnose(
        MultimodalModel model,
        RecordTable source,
        RecordTable target,
        double alpha = 0.05,
        int permutations = 500,
        IProgress<ProgressUpdate>? progress = null,
        string? cacheDirectory = null
    )
    {
        MultimodalManifest m = model.Manifest;
        var tests = new List<ColumnShift>();
        foreach (ColumnEncoder column in m.Record.Columns)
        {
            string[] a = Cells(source, column.Name),
                b = Cells(target, column.Name);
            var (test, statistic, p) = column.Kind is ColumnKind.Numeric or ColumnKind.Date
                ? Smirnov(Values(column, a, source), Values(column, b, target))
                : ChiSquare(Categories(column, a, source), Categories(column, b, target));
            tests.Add(
                new ColumnShift(column.Name, test, Math.Round(statistic, 4), p, 0, false, Missing(a), Missing(b))
            );
        }
        if (m.Model is not (FusionKind.RecordOnly or FusionKind.RecordBoosted))
            tests.Add(ImageShift(m, model.Folder, source, target, permutations, progress, cacheDirectory));
        // Holm: the k-th smallest p-value is multiplied by (tests - k + 1), kept monotone.
        var order = Enumerable.Range(0, tests.Count).OrderBy(i => tests[i].PValue).ToArray();
        double running = 0;
        for (int k = 0; k < order.Length; k++)
        {
            ColumnShift t = tests[order[k]];
            running = Math.Max(running, Math.Min(1, t.PValue * (tests.Count - k)));
            tests[order[k]] = t with { PAdjusted = running, Shifted = running < alpha };
        }
        return new RecordShiftReport(
            source.Path,
            target.Path,
            source.Rows.Count,
            target.Rows.Count,
            "holm",
            alpha,
            tests
                .Select(t => t with { PValue = Math.Round(t.PValue, 6), PAdjusted = Math.Round(t.PAdjusted, 6) })
                .ToArray()
        );
    }

    /// <summary>The two-sample Kolmogorov-Smirnov statistic and its asymptotic p-value.</summary>
    public static (string test, double statistic, double p) Smirnov(double[] a, double[] b)
    {
        if (a.Length == 0 || b.Length == 0)
            return ("kolmogorov-smirnov", 0, 1);
        Array.Sort(a);
        Array.Sort(b);
        int i = 0,
            j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            double x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] <= x)
                i++;
            while (j < b.Length && b[j] <= x)
                j++;
            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        double n = (double)a.Length * b.Length / (a.Length + b.Length);
        double lambda = (Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n)) * d;
        return ("kolmogorov-smirnov", d, KolmogorovTail(lambda));
    }

    /// <summary>Chi-square test of homogeneity of two count vectors over the same categories.</summary>
    public static (string test, double statistic, double p) ChiSquare(double[] a, double[] b)
    {
        double na = a.Sum(),
            nb = b.Sum();
        if (na == 0 || nb == 0)
            return ("chi-square", 0, 1);
        double statistic = 0;
        int cells = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double total = a[k] + b[k];
            if (total == 0)
                continue;
            cells++;
            double ea = total * na / (na + nb),
                eb = total * nb / (na + nb);
            statistic += (a[k] - ea) * (a[k] - ea) / ea + (b[k] - eb) * (b[k] - eb) / eb;
        }
        return cells < 2 ? ("chi-square", 0, 1) : ("chi-square", statistic, 1 - ChiSquared.CDF(cells - 1, statistic));
    }

    // Q_KS(lambda) = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2) (Numerical Recipes' probks).
    private static double KolmogorovTail(double lambda)
    {
        if (lambda < 1e-3)
            return 1;
        double sum = 0,
            sign = 1;
        for (int k = 1; k <= 100; k++)
        {
            double term = sign * 2 * Math.Exp(-2 * k * k * lambda * lambda);
            sum += term;
            if (Math.Abs(term) < 1e-12)
                break;
            sign = -sign;
        }
        return Math.Clamp(sum, 0, 1);
    }

    private static ColumnShift ImageShift(
        MultimodalManifest m,
        string runFolder,
        RecordTable source,
        RecordTable target,
        int permutations,
        IProgress<ProgressUpdate>? progress,
        string? cacheDirectory
    )
    {
        var (backbone, owner, cacheable) = TunedImageBranch.Open(m, runFolder);
        using var owned = owner;
        var cache = new FeatureCache(cacheable ? cacheDirectory : null, backbone.FeatureKey, backbone.FeatureWidth);
        var bad = new List<BadImage>();
        float[][] Features(RecordTable table, string label)
        {
            int column = table.Column(m.ImageColumn, "image");
            var sources = ImageBranch.Sources(table, column, Enumerable.Range(0, table.Rows.Count).ToArray(), out _);
            return ImageBranch
                .Features(backbone, sources, cache, 32, progress, label, bad, CancellationToken.None)
                .Where(f => f is not null)
                .Select(f => f!)
                .ToArray();
        }
        float[][] a = Features(source, "source images"),
            b = Features(target, "target images");
        int missingA = source.Rows.Count - a.Length,
            missingB = target.Rows.Count - b.Length;
        if (a.Length < 2 || b.Length < 2)
            return new ColumnShift("(image)", "mmd", 0, 1, 1, false, missingA, missingB);
        MmdResult mmd = TwoSample.Mmd(a, b, permutations);
        return new ColumnShift("(image)", "mmd", Math.Round(mmd.Mmd2, 6), mmd.PValue, 0, false, missingA, missingB);
    }

    private static string[] Cells(RecordTable table, string column)
    {
        int index = table.Column(column, "record");
        return table.Rows.Select(r => r[index]).ToArray();
    }

    private static int Missing(string[] cells) => cells.Count(ColumnEncoder.IsMissing);

    private static double[] Values(ColumnEncoder column, string[] cells, RecordTable table)
    {
        var values = new List<double>();
        Span<float> encoded = stackalloc float[column.Width];
        for (int i = 0; i < cells.Length; i++)
            if (!ColumnEncoder.IsMissing(cells[i]))
            {
                column.Encode(cells[i], encoded, $"{table.Path}, row {table.FileRow(i)}");
                values.Add(encoded[0]);
            }
        return values.ToArray();
    }

    private static double[] Categories(ColumnEncoder column, string[] cells, RecordTable table)
    {
        // Categories: the kept values, "unknown", "missing"; booleans: false, true, missing.
        var counts = new double[column.Kind == ColumnKind.Categorical ? column.Categories.Count + 2 : 3];
        Span<float> encoded = stackalloc float[column.Width];
        for (int i = 0; i < cells.Length; i++)
        {
            string cell = cells[i];
            if (column.Kind == ColumnKind.Categorical)
            {
                counts[column.Slot(cell)]++;
                continue;
            }
            column.Encode(cell, encoded, $"{table.Path}, row {table.FileRow(i)}");
            counts[
                ColumnEncoder.IsMissing(cell) ? 2
                : encoded[0] > 0 ? 1
                : 0
            ]++;
        }
        return counts;
    }
}
