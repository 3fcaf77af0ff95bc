using Spectre.Console;
using TransferSharp.Progress;

namespace TransferSharp.Cli;

/// <summary>Progress bars on a terminal (Spectre.Console); plain lines with percentages when output is redirected.</summary>
internal static class ConsoleProgress
{
    public static T Run<T>(Func<IProgressSink, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
            return work(new PlainSink());
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => result = work(new BarSink(context)));
        return result;
    }

    private sealed class BarSink : IProgressSink
    {
        private readonly ProgressContext context;
        public BarSink(ProgressContext context) => this.context = context;

        public IProgressTask Begin(string description, long total) => new BarTask(context.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1)));

        public void Info(string message) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

        private sealed class BarTask : IProgressTask
        {
            private readonly ProgressTask task;
            public BarTask(ProgressTask task) => this.task = task;
            public void Advance(long amount) => task.Increment(amount);
            public void Describe(string description) => task.Description = Markup.Escape(description);
            public void Dispose()
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }

    private sealed class PlainSink : IProgressSink
    {
        public IProgressTask Begin(string description, long total) => new PlainTask(description, total);

        public void Info(string message) => Console.WriteLine(message);

        private sealed class PlainTask : IProgressTask
        {
            private readonly long total;
            private readonly System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
            private string description;
            private long done;
            private int lastDecile = -1;

            public PlainTask(string description, long total)
            {
                this.description = description;
                this.total = Math.Max(total, 1);
                Console.WriteLine($"{description}: 0/{total}");
            }

            public void Advance(long amount)
            {
                done += amount;
                int decile = (int)(10 * done / total);
                if (decile == lastDecile || done >= total) return;
                lastDecile = decile;
                Console.WriteLine($"{description}: {done}/{total} ({100.0 * done / total:F0}%, {watch.Elapsed.TotalSeconds:F1} s)");
            }

            public void Describe(string text) => description = text;

            public void Dispose() => Console.WriteLine($"{description}: done, {done}/{total} in {watch.Elapsed.TotalSeconds:F1} s");
        }
    }
}
