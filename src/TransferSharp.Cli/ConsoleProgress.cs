using Spectre.Console;
using TransferSharp.Progress;

namespace TransferSharp.Cli;

/// <summary>Progress bars on a terminal (Spectre.Console); plain lines with percentages when output is
/// redirected.</summary>
internal static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/> with a progress reporter suited to the console.</summary>
    public static T Run<T>(Func<IProgress<ProgressUpdate>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
            return work(new PlainProgress());
        T result = default!;
        AnsiConsole
            .Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn()
            )
            .Start(context => result = work(new BarProgress(context)));
        return result;
    }

    /// <summary>Spectre.Console bars, one per task.</summary>
    private sealed class BarProgress : IProgress<ProgressUpdate>
    {
        private readonly ProgressContext context;
        private readonly Dictionary<int, Spectre.Console.ProgressTask> tasks = new();

        public BarProgress(ProgressContext context) => this.context = context;

        public void Report(ProgressUpdate update)
        {
            lock (tasks)
            {
                if (update.Kind == ProgressKind.Message)
                {
                    AnsiConsole.MarkupLine($"[grey]{Markup.Escape(update.Text)}[/]");
                    return;
                }
                if (!tasks.TryGetValue(update.TaskId, out Spectre.Console.ProgressTask? task))
                    tasks[update.TaskId] = task = context.AddTask(Markup.Escape(update.Text), maxValue: update.Total);
                task.Value = update.Completed;
                if (update.Kind == ProgressKind.Described)
                    task.Description = Markup.Escape(update.Text);
                if (update.Kind != ProgressKind.Finished)
                    return;
                task.Value = task.MaxValue;
                task.StopTask();
                tasks.Remove(update.TaskId);
            }
        }
    }

    /// <summary>Plain lines: a task's start, every tenth of it, and its end with the time it took.</summary>
    private sealed class PlainProgress : IProgress<ProgressUpdate>
    {
        private readonly Dictionary<int, (string description, int decile, System.Diagnostics.Stopwatch watch)> tasks =
            new();

        public void Report(ProgressUpdate update)
        {
            lock (tasks)
            {
                switch (update.Kind)
                {
                    case ProgressKind.Message:
                        Console.WriteLine(update.Text);
                        break;
                    case ProgressKind.Started:
                        tasks[update.TaskId] = (update.Text, -1, System.Diagnostics.Stopwatch.StartNew());
                        Console.WriteLine($"{update.Text}: 0/{update.Total}");
                        break;
                    case ProgressKind.Described when tasks.TryGetValue(update.TaskId, out var described):
                        tasks[update.TaskId] = described with { description = update.Text };
                        break;
                    case ProgressKind.Advanced when tasks.TryGetValue(update.TaskId, out var task):
                        int decile = (int)(10 * update.Completed / update.Total);
                        if (decile == task.decile || update.Completed >= update.Total)
                            break;
                        tasks[update.TaskId] = task with { decile = decile };
                        Console.WriteLine(
                            $"{task.description}: {update.Completed}/{update.Total} "
                                + $"({100.0 * update.Completed / update.Total:F0}%, "
                                + $"{task.watch.Elapsed.TotalSeconds:F1} s)"
                        );
                        break;
                    case ProgressKind.Finished when tasks.Remove(update.TaskId, out var done):
                        Console.WriteLine(
                            $"{done.description}: done, {update.Completed}/{update.Total} in "
                                + $"{done.watch.Elapsed.TotalSeconds:F1} s"
                        );
                        break;
                }
            }
        }
    }
}
