using TransferSharp.Data;

namespace TransferSharp.Multimodal;

/// <summary>A CSV of records: a header and rows of raw cells, every row as wide as the header.</summary>
public sealed class RecordTable
{
    private readonly int[] lineNumbers;

    private RecordTable(string path, IReadOnlyList<string> header, IReadOnlyList<string[]> rows, int[] lineNumbers)
    {
        Path = path;
        Header = header;
        Rows = rows;
        this.lineNumbers = lineNumbers;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Column names, as written.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Rows of cells (trimmed), in file order.</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>Loads <paramref name="path"/>; an unreadable file, an empty one or a row of the wrong width is a <see
    /// cref="DataException"/> naming the file (and the row).</summary>
    public static RecordTable Load(string path)
    {
        if (!File.Exists(path))
            throw new DataException($"{path}: the CSV file does not exist.", path);
        string[] lines = File.ReadAllLines(path);
        if (lines.Count(l => l.Trim().Length > 0) < 2)
            throw new DataException($"{path}: the CSV file has no rows (a header and at least one row).", path);
        var header = DatasetLoader.SplitCsv(lines[0]).Select(h => h.Trim()).ToArray();
        var duplicate = header.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new DataException($"{path}: the column '{duplicate.Key}' appears twice in the header.", path);
        var rows = new List<string[]>(lines.Length - 1);
        var numbers = new List<int>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
                continue;
            var cells = DatasetLoader.SplitCsv(lines[i]);
            if (cells.Count != header.Length)
                throw new DataException(
                    $"{path}, row {i + 1}: {cells.Count} columns, the header has {header.Length}.",
                    path
                );
            rows.Add(cells.Select(c => c.Trim()).ToArray());
            numbers.Add(i + 1);
        }
        return new RecordTable(path, header, rows, numbers.ToArray());
    }

    /// <summary>The index of column <paramref name="name"/> (case-insensitive), or -1.</summary>
    public int Find(string name) =>
        Array.FindIndex(Header.ToArray(), h => h.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The index of column <paramref name="name"/>; a missing one is an error naming it and what there
    /// is.</summary>
    public int Column(string name, string role)
    {
        int index = Find(name);
        if (index < 0)
            throw new DataException($"{Path}: no {role} column '{name}' (columns: {string.Join(", ", Header)}).", Path);
        return index;
    }

    /// <summary>The file's line number (1-based, the header is line 1) of data row <paramref name="row"/>.</summary>
    public int FileRow(int row) => lineNumbers[row];
}
