using System.Globalization;
using TransferSharp.Data;

namespace TransferSharp.Multimodal;

/// <summary>
/// One record column's encoding, fitted on the training split and stored with the model: its kind, the
/// standardisation of a number (or date), or its categories: a one-hot slot each up to the categorical limit, above it
/// an index into a learned embedding (<see cref="Embedding"/>).
/// </summary>
public sealed record ColumnEncoder
{
    /// <summary>Cells that mean "no value" (compared case-insensitively).</summary>
    public static readonly IReadOnlySet<string> MissingTokens = new HashSet<string>(
        new[] { "", "na", "n/a", "nan", "null", "none", "?" },
        StringComparer.OrdinalIgnoreCase
    );

    private static readonly IReadOnlySet<string> trueTokens = new HashSet<string>(
        new[] { "true", "yes", "y", "t" },
        StringComparer.OrdinalIgnoreCase
    );
    private static readonly IReadOnlySet<string> falseTokens = new HashSet<string>(
        new[] { "false", "no", "n", "f" },
        StringComparer.OrdinalIgnoreCase
    );

    /// <summary>The column's name in the CSV.</summary>
    public required string Name { get; init; }

    /// <summary>How it is encoded.</summary>
    public required ColumnKind Kind { get; init; }

    /// <summary>Numbers, booleans and dates (in days): the training split's mean.</summary>
    public double Mean { get; init; }

    /// <summary>Numbers, booleans and dates: the training split's standard deviation (1 where it is 0).</summary>
    public double Scale { get; init; } = 1;

    /// <summary>The most categories an embedded column keeps.</summary>
    public const int MaxEmbedded = 10_000;

    /// <summary>Categorical: the values with a one-hot slot (or an embedding row), most frequent first; others map to
    /// "unknown".</summary>
    public IReadOnlyList<string> Categories { get; init; } = Array.Empty<string>();

    /// <summary>Categorical: distinct values seen in training (more than <see cref="Categories"/> above the
    /// limit).</summary>
    public int DistinctValues { get; init; }

    /// <summary>Categorical above the limit: the width of its learned embedding (0: one-hot). The encoded row then
    /// holds the category's index (the kept values, then "unknown", then "missing") and the missing
    /// indicator.</summary>
    public int Embedding { get; init; }

    /// <summary>Training rows where the column was missing.</summary>
    public int MissingInTraining { get; init; }

    /// <summary>Encoded width: the value(s), then the missing indicator (categorical: the slots, "unknown",
    /// "missing").</summary>
    public int Width =>
        Kind switch
        {
            ColumnKind.Categorical when Embedding > 0 => 2,
            ColumnKind.Categorical => Categories.Count + 2,
            ColumnKind.Date => 4,
            _ => 2,
        };

    /// <summary>Whether <paramref name="cell"/> means "no value".</summary>
    public static bool IsMissing(string? cell) => cell is null || MissingTokens.Contains(cell.Trim());

    /// <summary>The kind the non-missing <paramref name="values"/> read as: numbers, booleans, dates, else
    /// categories.</summary>
    public static ColumnKind Infer(IEnumerable<string> values)
    {
        var present = values.Where(v => !IsMissing(v)).ToList();
        if (present.Count == 0)
            return ColumnKind.Categorical;
        if (present.All(v => TryNumber(v, out _)))
            return ColumnKind.Numeric;
        if (present.All(v => trueTokens.Contains(v) || falseTokens.Contains(v)))
            return ColumnKind.Boolean;
        if (present.All(v => v.IndexOfAny(new[] { '-', '/', ':' }) > 0 && TryDate(v, out _)))
            return ColumnKind.Date;
        return ColumnKind.Categorical;
    }

    /// <summary>Fits the encoding of column <paramref name="name"/> on the training split's cells.</summary>
    public static ColumnEncoder Fit(
        string name,
        ColumnKind kind,
        IReadOnlyList<string> cells,
        int categoricalLimit,
        Func<int, string> where
    )
    {
        int missing = cells.Count(IsMissing);
        if (kind == ColumnKind.Categorical)
        {
            var counts = cells
                .Where(c => !IsMissing(c))
                .GroupBy(c => c, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count())
                .ThenBy(g => g.Key, StringComparer.Ordinal)
                .ToList();
            if (counts.Count <= categoricalLimit)
                return new ColumnEncoder
                {
                    Name = name,
                    Kind = kind,
                    Categories = counts.Select(g => g.Key).ToArray(),
                    DistinctValues = counts.Count,
                    MissingInTraining = missing,
                };
            // Above the limit, an embedding row for each value seen twice or more: values seen once train the
            // "unknown" row, which is what a value never seen in training meets at predict time.
            var kept = counts.Where(g => g.Count() >= 2).Take(MaxEmbedded).Select(g => g.Key).ToArray();
            return new ColumnEncoder
            {
                Name = name,
                Kind = kind,
                Categories = kept,
                Embedding = EmbeddingWidth(kept.Length + 2),
                DistinctValues = counts.Count,
                MissingInTraining = missing,
            };
        }
        var values = new List<double>();
        for (int i = 0; i < cells.Count; i++)
            if (!IsMissing(cells[i]))
                values.Add(Read(name, kind, cells[i], where(i)));
        double mean = values.Count > 0 ? values.Average() : 0;
        double variance = values.Count > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1) : 0;
        double scale = Math.Sqrt(variance);
        return new ColumnEncoder
        {
            Name = name,
            Kind = kind,
            Mean = mean,
            Scale = scale > 1e-12 ? scale : 1,
            MissingInTraining = missing,
        };
    }

    /// <summary>Writes the encoding of <paramref name="cell"/> into <paramref name="output"/> (<see cref="Width"/>
    /// values); returns whether it was missing and whether it was an unseen category. A value of the wrong type is a
    /// <see cref="DataException"/> naming <paramref name="where"/> (file and row) and the column.</summary>
    public (bool missing, bool unknown) Encode(string? cell, Span<float> output, string where)
    {
        output[..Width].Clear();
        if (IsMissing(cell))
        {
            output[Width - 1] = 1;
            if (Embedding > 0)
                output[0] = Categories.Count + 1;
            return (true, false);
        }
        string value = cell!.Trim();
        if (Kind == ColumnKind.Categorical)
        {
            int slot = Slot(value);
            if (Embedding > 0)
                output[0] = slot;
            else
                output[slot] = 1;
            return (false, slot == Categories.Count);
        }
        double x = Read(Name, Kind, value, where);
        output[0] = (float)((x - Mean) / Scale);
        if (Kind == ColumnKind.Date)
        {
            DateTime date = DateTime.UnixEpoch.AddDays(x);
            double angle = 2 * Math.PI * (date.DayOfYear - 1) / 365.25;
            output[1] = (float)Math.Sin(angle);
            output[2] = (float)Math.Cos(angle);
        }
        return (false, false);
    }

    /// <summary>A categorical cell's slot: its category's index, then <c>Categories.Count</c> for "unknown" and
    /// <c>Categories.Count + 1</c> for "missing".</summary>
    public int Slot(string? cell)
    {
        if (IsMissing(cell))
            return Categories.Count + 1;
        string value = cell!.Trim();
        for (int i = 0; i < Categories.Count; i++)
            if (string.Equals(Categories[i], value, StringComparison.Ordinal))
                return i;
        return Categories.Count;
    }

    /// <summary>fastai's embedding width for <paramref name="rows"/> categories: 1.6 n^0.56, at most 600.</summary>
    public static int EmbeddingWidth(int rows) => Math.Min(600, (int)Math.Round(1.6 * Math.Pow(rows, 0.56)));

    private static double Read(string name, ColumnKind kind, string value, string where)
    {
        switch (kind)
        {
            case ColumnKind.Numeric when TryNumber(value, out double number):
                return number;
            case ColumnKind.Boolean when trueTokens.Contains(value) || value == "1":
                return 1;
            case ColumnKind.Boolean when falseTokens.Contains(value) || value == "0":
                return 0;
            case ColumnKind.Date when TryDate(value, out DateTime date):
                return (date - DateTime.UnixEpoch).TotalDays;
        }
        string expected = kind switch
        {
            ColumnKind.Numeric => "a number",
            ColumnKind.Boolean => "true/false or yes/no",
            _ => "a date (such as 2024-05-31)",
        };
        throw new DataException(
            $"{where}: column '{name}' is {kind.ToString().ToLowerInvariant()}; '{value}' is not {expected} "
                + "(--column-types can declare it otherwise)."
        );
    }

    private static bool TryNumber(string value, out double number) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);

    // ISO forms with a year only: a lone time or "3-4" would read as today's date, changing with the day.
    private static readonly string[] dateFormats =
    {
        "yyyy-MM-dd",
        "yyyy/MM/dd",
        "yyyy-MM-dd HH:mm",
        "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-ddTHH:mm",
        "yyyy-MM-ddTHH:mm:ss",
        "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
        "yyyy-MM-ddTHH:mm:ssK",
    };

    private static bool TryDate(string value, out DateTime date) =>
        DateTime.TryParseExact(
            value,
            dateFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal | DateTimeStyles.NoCurrentDateDefault,
            out date
        );
}
