using System.Globalization;
using System.Net;
using System.Text;

namespace TransferSharp.Reports;

/// <summary>
/// A plain HTML page built in memory: sections with headings, tables and inline PNG images. Text is escaped here, so
/// that names from the user's data (classes, files) cannot break the page. The style sheet is inline and uses the
/// system's sans-serif fonts: the page loads nothing.
/// </summary>
internal sealed class HtmlPage
{
    private const string Style = """
        body { margin: 0; color: #1f2328; background: #fff; line-height: 1.45;
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 48px; }
        h1 { font-size: 1.7em; margin: 0 0 4px; }
        h2 { font-size: 1.3em; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
        h3 { font-size: 1.05em; margin: 20px 0 8px; }
        nav { margin: 12px 0 8px; font-size: .92em; }
        nav a { margin-right: 14px; color: #0b5cad; text-decoration: none; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-size: .92em; }
        th, td { border: 1px solid #c9ced4; padding: 4px 9px; text-align: left; vertical-align: top; }
        th { background: #f3f5f7; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.facts th { width: 13em; }
        .muted { color: #656d76; }
        .scroll { overflow-x: auto; }
        .note { background: #fff8e1; border-left: 4px solid #e0a800; padding: 6px 10px; }
        .verdict { font-size: 1.1em; font-weight: 600; }
        figure { margin: 12px 0 20px; }
        figure img { max-width: 100%; height: auto; border: 1px solid #e1e4e8; }
        figcaption { color: #656d76; font-size: .88em; }
        .plots { display: flex; flex-wrap: wrap; gap: 12px; }
        .plots figure { flex: 1 1 480px; margin: 0; }
        table.confusion td { text-align: right; min-width: 2.6em; font-variant-numeric: tabular-nums; }
        table.confusion th.pred { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
        .thumbs { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 12px; }
        figure.thumb { margin: 0; padding: 8px; border: 1px solid #d0d7de; font-size: .85em; }
        figure.thumb img { display: block; width: 128px; height: 128px; object-fit: contain; margin: 0 auto 6px;
          image-rendering: pixelated; background: #f3f5f7; border: none; }
        .missing { width: 128px; height: 128px; margin: 0 auto 6px; display: flex; align-items: center;
          justify-content: center; text-align: center; background: #f3f5f7; color: #656d76; font-size: .8em; }
        """;

    private readonly StringBuilder body = new();
    private readonly List<(string id, string title)> sections = new();

    /// <summary>The text with HTML's special characters escaped.</summary>
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A number in invariant notation; a dash when absent or not finite.</summary>
    public static string Number(double? value, string format = "0.####") =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    /// <summary>A share as a percentage with one decimal.</summary>
    public static string Percent(double? value) =>
        value is { } v && double.IsFinite(v) ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–";

    /// <summary>Appends HTML as it is (the caller escapes).</summary>
    public void Html(string html) => body.Append(html).Append('\n');

    /// <summary>A probability: three decimals, in scientific notation below 0.001.</summary>
    public static string Probability(double value) =>
        value is > 0 and < 1e-3 ? value.ToString("0.0E+0", CultureInfo.InvariantCulture) : Number(value, "0.000");

    /// <summary>A p-value: plain down to 0.0001, in scientific notation below.</summary>
    public static string PValue(double value) =>
        value is > 0 and < 1e-4 ? value.ToString("0.0E+0", CultureInfo.InvariantCulture) : Number(value);

    /// <summary>A paragraph of text.</summary>
    public void Paragraph(string text, string? cssClass = null) =>
        Html(cssClass is null ? $"<p>{Escape(text)}</p>" : $"<p class=\"{cssClass}\">{Escape(text)}</p>");

    /// <summary>A section: its heading (listed in the page's contents) and what <paramref name="content"/>
    /// adds.</summary>
    public void Section(string id, string title, Action content)
    {
        sections.Add((id, title));
        Html($"<section id=\"{id}\">\n<h2>{Escape(title)}</h2>");
        content();
        Html("</section>");
    }

    /// <summary>A sub-heading.</summary>
    public void Heading(string text) => Html($"<h3>{Escape(text)}</h3>");

    /// <summary>A two-column table of facts; rows whose value is null are left out.</summary>
    public void Facts(IEnumerable<(string name, string? value)> rows)
    {
        var html = new StringBuilder("<table class=\"facts\">\n");
        foreach (var (name, value) in rows)
            if (value is not null)
                html.Append($"<tr><th>{Escape(name)}</th><td>{Escape(value)}</td></tr>\n");
        Html(html.Append("</table>").ToString());
    }

    /// <summary>A table; cells are text, right-aligned where <paramref name="numeric"/> says so.</summary>
    public void Table(
        IReadOnlyList<string> headers,
        IEnumerable<IReadOnlyList<string>> rows,
        IReadOnlySet<int>? numeric = null
    )
    {
        string Cell(string tag, int column, string text) =>
            numeric?.Contains(column) == true
                ? $"<{tag} class=\"num\">{Escape(text)}</{tag}>"
                : $"<{tag}>{Escape(text)}</{tag}>";
        var html = new StringBuilder("<div class=\"scroll\"><table>\n<tr>");
        for (int c = 0; c < headers.Count; c++)
            html.Append(Cell("th", c, headers[c]));
        html.Append("</tr>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            for (int c = 0; c < row.Count; c++)
                html.Append(Cell("td", c, row[c]));
            html.Append("</tr>\n");
        }
        Html(html.Append("</table></div>").ToString());
    }

    /// <summary>The img element of a PNG, inline as a data URI.</summary>
    public static string ImageTag(byte[] png, string alt) =>
        $"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{Escape(alt)}\">";

    /// <summary>A figure: a PNG, inline, with its caption.</summary>
    public void Figure(byte[] png, string caption) =>
        Html($"<figure>{ImageTag(png, caption)}<figcaption>{Escape(caption)}</figcaption></figure>");

    /// <summary>The whole document: title, heading, the lines under it, the contents and the sections.</summary>
    public string Build(string title, string subtitle)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>{Escape(title)}</title>\n<style>\n{Style}\n</style>\n</head>\n<body>\n<main>\n");
        html.Append($"<h1>{Escape(title)}</h1>\n<p class=\"muted\">{Escape(subtitle)}</p>\n");
        if (sections.Count > 0)
            html.Append("<nav>")
                .AppendJoin("", sections.Select(s => $"<a href=\"#{s.id}\">{Escape(s.title)}</a>"))
                .Append("</nav>\n");
        html.Append(body);
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }
}
