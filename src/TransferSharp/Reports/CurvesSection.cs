using System.Globalization;
using ScottPlot;
using TransferSharp.Learning;

namespace TransferSharp.Reports;

/// <summary>Learning curves of the network strategies: loss, accuracy and each group's learning rate per
/// epoch.</summary>
internal static class CurvesSection
{
    /// <summary>Adds the section when the record has epochs.</summary>
    public static void Add(HtmlPage page, FitReport record)
    {
        if (record.Epochs is not { Count: > 0 } epochs)
            return;
        page.Section(
            "curves",
            "Learning curves",
            () =>
            {
                var stages = epochs.Select(e => e.Stage).Distinct().ToList();
                string marked = stages.Count > 1 ? "; dashed lines mark where a new stage starts" : "";
                string start = record.Start is null ? "" : "; epoch 0 is the scored start, before any training";
                page.Paragraph(
                    $"{epochs.Count} epochs, stage{(stages.Count > 1 ? "s" : "")} {string.Join(", ", stages)}"
                        + $"{start}{marked}.",
                    "muted"
                );
                page.Html("<div class=\"plots\">");
                page.Figure(
                    ReportPlots.Curve(
                        "Loss",
                        "cross-entropy",
                        epochs,
                        e => e.TrainLoss,
                        e => e.ValLoss,
                        record.Start?.ValLoss,
                        Alignment.UpperRight
                    ),
                    "Training and validation loss per epoch"
                );
                page.Figure(
                    ReportPlots.Curve(
                        "Accuracy",
                        "accuracy",
                        epochs,
                        e => e.TrainAccuracy,
                        e => e.ValAccuracy,
                        record.Start?.ValAccuracy,
                        Alignment.LowerRight
                    ),
                    "Training accuracy (on augmented batches) and validation accuracy per epoch"
                );
                page.Html("</div>");
                if (epochs.Any(e => e.LearningRates.Count > 0))
                    page.Figure(
                        ReportPlots.LearningRates(epochs),
                        "Each layer group's learning rate at the start of each epoch"
                    );
                Epochs(page, record);
            }
        );
    }

    private static void Epochs(HtmlPage page, FitReport record)
    {
        page.Facts(
            new (string, string?)[]
            {
                ("best epoch", record.BestEpoch?.ToString(CultureInfo.InvariantCulture)),
                ("weights kept from epoch", record.RestoredEpoch?.ToString(CultureInfo.InvariantCulture)),
                ("stopped", record.StopReason),
                ("weight averaging", record.WeightAveraging is null ? null : "yes (see metrics.json)"),
            }
        );
        page.Html("<details><summary>Every epoch</summary>");
        page.Table(
            new[]
            {
                "epoch",
                "stage",
                "training loss",
                "training accuracy",
                "validation loss",
                "validation accuracy",
                "s",
            },
            record.Epochs!.Select(e =>
                (IReadOnlyList<string>)
                    new[]
                    {
                        e.Epoch.ToString(CultureInfo.InvariantCulture),
                        e.Stage,
                        HtmlPage.Number(e.TrainLoss),
                        HtmlPage.Percent(e.TrainAccuracy),
                        HtmlPage.Number(e.ValLoss),
                        HtmlPage.Percent(e.ValAccuracy),
                        HtmlPage.Number(e.Seconds, "0.0"),
                    }
            ),
            new HashSet<int> { 0, 2, 3, 4, 5, 6 }
        );
        page.Html("</details>");
        if (record.UnfreezeStages is { Count: > 0 } stages)
        {
            page.Heading("Unfreezing stages");
            page.Table(
                new[] { "stage", "groups trained", "epochs", "best validation accuracy" },
                stages.Select(s =>
                    (IReadOnlyList<string>)
                        new[]
                        {
                            s.Stage,
                            string.Join(", ", s.GroupsTrained),
                            s.Epochs.ToString(CultureInfo.InvariantCulture),
                            HtmlPage.Percent(s.BestValAccuracy),
                        }
                ),
                new HashSet<int> { 2, 3 }
            );
        }
    }
}
