namespace TransferSharp.Multimodal;

/// <summary>The record's encoding: one <see cref="ColumnEncoder"/> per column, side by side.</summary>
public sealed record RecordEncoder
{
    /// <summary>The columns, in encoding order.</summary>
    public required IReadOnlyList<ColumnEncoder> Columns { get; init; }

    /// <summary>The encoded width.</summary>
    public int Width => Columns.Sum(c => c.Width);

    /// <summary>The embedded columns (categorical above the limit), by their index slot.</summary>
    public IReadOnlyList<RecordEmbedding> Embeddings() =>
        Columns
            .Select((c, i) => (c, i))
            .Where(x => x.c.Embedding > 0)
            .Select(x => new RecordEmbedding(Offset(x.i), x.c.Categories.Count + 2, x.c.Embedding))
            .ToArray();

    /// <summary>Where column <paramref name="index"/>'s values start in an encoded row.</summary>
    public int Offset(int index) => Columns.Take(index).Sum(c => c.Width);

    /// <summary>Fits the encoders of <paramref name="columns"/> on rows <paramref name="rows"/> of <paramref
    /// name="table"/>; kinds are inferred unless <paramref name="kinds"/> names them.</summary>
    public static RecordEncoder Fit(
        RecordTable table,
        IReadOnlyList<string> columns,
        IReadOnlyList<int> rows,
        IReadOnlyDictionary<string, ColumnKind> kinds,
        int categoricalLimit
    )
    {
        var encoders = new List<ColumnEncoder>();
        foreach (string name in columns)
        {
            int index = table.Column(name, "record");
            var cells = rows.Select(r => table.Rows[r][index]).ToList();
            ColumnKind kind = kinds.TryGetValue(name, out ColumnKind given) ? given : ColumnEncoder.Infer(cells);
            encoders.Add(
                ColumnEncoder.Fit(
                    table.Header[index],
                    kind,
                    cells,
                    categoricalLimit,
                    i => $"{table.Path}, row {table.FileRow(rows[i])}"
                )
            );
        }
        return new RecordEncoder { Columns = encoders };
    }

    /// <summary>Encodes rows <paramref name="rows"/> of <paramref name="table"/>; a column the table lacks is an error
    /// naming it. A row whose cells are all missing has no record.</summary>
    public EncodedRecords Encode(RecordTable table, IReadOnlyList<int> rows)
    {
        var indices = Columns.Select(c => table.Column(c.Name, "record")).ToArray();
        var values = new float[rows.Count][];
        var present = new bool[rows.Count];
        var missing = new int[Columns.Count];
        var unknown = new int[Columns.Count];
        for (int k = 0; k < rows.Count; k++)
        {
            values[k] = new float[Width];
            string where = $"{table.Path}, row {table.FileRow(rows[k])}";
            int offset = 0;
            for (int c = 0; c < Columns.Count; c++)
            {
                var (isMissing, isUnknown) = Columns[c]
                    .Encode(table.Rows[rows[k]][indices[c]], values[k].AsSpan(offset), where);
                missing[c] += isMissing ? 1 : 0;
                unknown[c] += isUnknown ? 1 : 0;
                present[k] |= !isMissing;
                offset += Columns[c].Width;
            }
            if (!present[k])
                Array.Clear(values[k]);
        }
        return new EncodedRecords(values, present, missing, unknown) { Embeddings = Embeddings() };
    }

    /// <summary>The column list of <paramref name="table"/> given as text ("a,b,c"), or every column but the
    /// excluded ones; a named column the table lacks is an error.</summary>
    public static IReadOnlyList<string> Select(RecordTable table, string? given, params string?[] excluded)
    {
        if (given is not null)
        {
            var names = given.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (string name in names)
                table.Column(name, "record");
            return names.Select(n => table.Header[table.Find(n)]).ToArray();
        }
        return table
            .Header.Where(h => !excluded.Any(e => e is not null && h.Equals(e, StringComparison.OrdinalIgnoreCase)))
            .ToArray();
    }
}
