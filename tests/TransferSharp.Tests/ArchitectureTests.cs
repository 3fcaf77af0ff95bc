using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TransferSharp.Strategies;

namespace TransferSharp.Tests;

/// <summary>Rules of the source tree itself, read from the sources with Roslyn.</summary>
public class ArchitectureTests
{
    /// <summary>The library's namespaces, lowest first: a namespace may use only those before it (and
    /// itself).</summary>
    private static readonly string[] layers =
    {
        "Progress",
        "IO",
        "Engine",
        "Backbones",
        "Data",
        "Adapters",
        "Training",
        "Strategies",
        "Analysis",
        "Runs",
        "Learning",
        "Multimodal",
        "Sweeps",
        "Reports",
    };

    private static string SourceRoot
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "TransferSharp.slnx")))
                dir = Path.GetDirectoryName(dir);
            return Path.Combine(dir ?? throw new InvalidOperationException("the checkout's root was not found"), "src");
        }
    }

    private static IEnumerable<(string path, SyntaxNode root)> Sources(string project = "") =>
        Directory
            .EnumerateFiles(Path.Combine(SourceRoot, project), "*.cs", SearchOption.AllDirectories)
            .Where(f =>
                !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
            )
            .Select(f => (f, CSharpSyntaxTree.ParseText(File.ReadAllText(f)).GetRoot()));

    [Fact]
    public void StrategyNamesAreWrittenOnlyInTheRegistry()
    {
        var names = StrategyRegistry.All.Select(d => d.Name).Append(StrategyRegistry.AutoName).ToHashSet();
        var found = new List<string>();
        foreach (var (path, root) in Sources())
        {
            if (
                Path.GetFileName(path) == "StrategyRegistry.cs"
                || path.Contains($"{Path.DirectorySeparatorChar}Engine{Path.DirectorySeparatorChar}")
            )
                continue;
            foreach (SyntaxToken token in root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.StringLiteralToken)))
                if (names.Contains(token.ValueText))
                    found.Add($"{Path.GetRelativePath(SourceRoot, path)}:{Line(token)} \"{token.ValueText}\"");
        }
        Assert.True(found.Count == 0, "strategy names outside the registry:\n" + string.Join("\n", found));
    }

    [Theory]
    [InlineData("TransferSharp/Learning/TransferLearner.cs")]
    [InlineData("TransferSharp/Training/Trainer.cs")]
    public void TheLearnerAndTheLoopHaveNoMethodOverFortyLines(string file)
    {
        SyntaxNode root = CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(SourceRoot, file))).GetRoot();
        var longMethods = root.DescendantNodes()
            .OfType<BaseMethodDeclarationSyntax>()
            .Select(m => (name: (m as MethodDeclarationSyntax)?.Identifier.Text ?? "constructor", lines: Lines(m)))
            .Where(m => m.lines > 40)
            .Select(m => $"{m.name}: {m.lines} lines")
            .ToList();
        Assert.True(longMethods.Count == 0, string.Join(", ", longMethods));
        Assert.NotEmpty(root.DescendantNodes().OfType<MethodDeclarationSyntax>());
    }

    [Fact]
    public void DependenciesBetweenNamespacesPointOneWay()
    {
        var wrong = new List<string>();
        foreach (var (path, root) in Sources("TransferSharp"))
        {
            string own = Path.GetRelativePath(Path.Combine(SourceRoot, "TransferSharp"), path)
                .Split(Path.DirectorySeparatorChar)[0];
            int level = Array.IndexOf(layers, own);
            if (level < 0)
                continue; // the root namespace (options' errors and limits) is below every layer
            foreach (string used in UsedNamespaces(root).Where(u => Array.IndexOf(layers, u) > level).Distinct())
                wrong.Add($"{Path.GetRelativePath(SourceRoot, path)} ({own}) uses {used}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void EachTypeIsInAFileOfItsOwnName()
    {
        var wrong = new List<string>();
        foreach (var (path, root) in Sources())
        {
            var types = root.DescendantNodes()
                .OfType<BaseTypeDeclarationSyntax>()
                .Where(t => t.Parent is BaseNamespaceDeclarationSyntax or CompilationUnitSyntax)
                .ToList();
            var delegates = root.DescendantNodes()
                .OfType<DelegateDeclarationSyntax>()
                .Where(d => d.Parent is not TypeDeclarationSyntax);
            string file = Path.GetFileNameWithoutExtension(path);
            if (types.Count + delegates.Count() > 1 || types.Any(t => t.Identifier.Text != file))
                wrong.Add(
                    $"{Path.GetRelativePath(SourceRoot, path)}: "
                        + $"{string.Join(", ", types.Select(t => t.Identifier.Text))}"
                );
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void NoSourceLineIsOverOneHundredTwentyColumns()
    {
        string root = Path.GetDirectoryName(SourceRoot)!;
        var files = new[] { "src", "tests", "bench", "samples" }
            .Select(d => Path.Combine(root, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));
        var longLines = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line.Length)))
            .Where(l => l.Length > 120)
            .Select(l => $"{Path.GetRelativePath(root, l.f)}:{l.i + 1} ({l.Length})")
            .ToList();
        Assert.True(
            longLines.Count == 0,
            $"{longLines.Count} lines over 120 columns:\n" + string.Join("\n", longLines.Take(50))
        );
    }

    private static int Line(SyntaxToken token) => token.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    private static int Lines(SyntaxNode node)
    {
        var span = node.GetLocation().GetLineSpan();
        return span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
    }

    /// <summary>The TransferSharp namespaces a file names: in using directives and as qualifiers
    /// (Adapters.InputAdapters).</summary>
    private static IEnumerable<string> UsedNamespaces(SyntaxNode root)
    {
        foreach (var directive in root.DescendantNodes().OfType<UsingDirectiveSyntax>())
        {
            string name = directive.NamespaceOrType.ToString();
            if (name.StartsWith("TransferSharp.", StringComparison.Ordinal))
                yield return name.Split('.')[1];
        }
        foreach (
            var name in root.DescendantNodes()
                .OfType<QualifiedNameSyntax>()
                .Select(q => q.ToString())
                .Concat(root.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Select(m => m.ToString()))
        )
        {
            string[] parts = name.Split('.');
            int start = parts[0] == "TransferSharp" ? 1 : 0;
            if (parts.Length > start + 1 && layers.Contains(parts[start]))
                yield return parts[start];
        }
    }
}
