using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Training;
using Xunit.Abstractions;

namespace TransferSharp.Tests.Corpus;

/// <summary>
/// Issue 21's corpus: over 200 malformed or awkward inputs of every kind a command reads (images, CSV, IDX, .npy, TIFF,
/// ONNX, run folders, options). Each is tried as a command would read it: a refusal must be the library's own error
/// naming the file, an awkward but valid input must load, and nothing may hang.
/// </summary>
public class MalformedInputCorpusTests(ITestOutputHelper output)
{
    private static readonly TimeSpan hang = TimeSpan.FromSeconds(30);

    private static readonly Type[] clearErrors =
    {
        typeof(DataException),
        typeof(InvalidDataException),
        typeof(OnnxImportException),
        typeof(OptionException),
        typeof(FileNotFoundException),
        typeof(CheckpointException),
    };

    [Fact]
    public async Task NoBadInputCrashesHangsOrIsSilentlyAccepted()
    {
        var cases = new CorpusBuilder(TestPaths.NewTempDir("corpus")).All();
        Assert.True(cases.Count >= 200, $"{cases.Count} cases");
        var verdicts = new List<(CorpusCase c, string verdict, string detail)>();
        foreach (CorpusCase c in cases)
        {
            var (verdict, detail) = await Try(c);
            verdicts.Add((c, verdict, detail));
        }
        output.WriteLine(
            $"{"kind", -12} {"cases", 5} {"refused", 8} {"loaded", 7} {"crashes", 8} {"hangs", 6} {"silent", 7}"
        );
        foreach (var kind in verdicts.GroupBy(v => v.c.Kind))
        {
            int Count(string v) => kind.Count(k => k.verdict == v);
            output.WriteLine(
                $"{kind.Key, -12} {kind.Count(), 5} {Count("refused"), 8} {Count("loaded"), 7} {Count("crash"), 8} "
                    + $"{Count("hang"), 6} {Count("silent"), 7}"
            );
        }
        var wrong = verdicts
            .Where(v => v.verdict is "crash" or "hang" or "silent" or "wrongly refused")
            .Select(v => $"{v.c.Kind}/{v.c.Name}: {v.verdict} {v.detail}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private static async Task<(string verdict, string detail)> Try(CorpusCase c)
    {
        Task<Exception?> run = Task.Run<Exception?>(() =>
        {
            try
            {
                c.Read();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        });
        if (await Task.WhenAny(run, Task.Delay(hang)) != run)
            return ("hang", "");
        Exception? error = await run;
        if (error is null)
            return c.Expect == Expect.Refuse ? ("silent", "") : ("loaded", "");
        bool clear = clearErrors.Contains(error.GetType()) && error.Message.Contains(c.Names, StringComparison.Ordinal);
        if (!clear)
            return ("crash", $"{error.GetType().Name}: {error.Message}");
        return c.Expect == Expect.Accept ? ("wrongly refused", error.Message) : ("refused", "");
    }
}
