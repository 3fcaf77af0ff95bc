using System.CommandLine;
using TransferSharp.Data;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp dataset subset IDX: a class-balanced subset of an IDX dataset.</summary>
internal static class DatasetCommand
{
    public static Command Create()
    {
        var images = new Argument<string>("images") { Description = "IDX images file (labels beside it)." };
        var perClass = new Option<int>("--per-class") { Description = "Images to keep per class.", Required = true };
        var seed = CommonOptions.Seed("Seed of the draw.");
        var output = CommonOptions.Out("Output folder.");
        var prefix = new Option<string>("--prefix")
        {
            Description = "File name prefix (train or t10k).",
            DefaultValueFactory = _ => "train",
        };
        var subset = new Command("subset", "Cut a class-balanced subset of an IDX dataset (e.g. 100 labels per class).")
        {
            images,
            perClass,
            seed,
            output,
            prefix,
        };
        CommandRunner.Action(
            subset,
            (parse, cancellation) =>
            {
                string imagesPath = parse.GetValue(images)!;
                int n = parse.GetValue(perClass);
                Limits.Range("--per-class", n, 1, int.MaxValue);
                var (all, rows, cols) = IdxFormat.ReadImages(imagesPath);
                byte[] labels = IdxFormat.ReadLabels(IdxFormat.LabelsPathFor(imagesPath));
                int[] keep = StratifiedSplit.TakePerClass(
                    labels.Select(l => (int)l).ToArray(),
                    n,
                    parse.GetValue(seed)
                );
                string dir = parse.GetValue(output)!;
                Directory.CreateDirectory(dir);
                string p = parse.GetValue(prefix)!;
                IdxFormat.WriteImages(
                    Path.Combine(dir, $"{p}-images-idx3-ubyte.gz"),
                    keep.Select(i => all[i]).ToList(),
                    rows,
                    cols
                );
                IdxFormat.WriteLabels(
                    Path.Combine(dir, $"{p}-labels-idx1-ubyte.gz"),
                    keep.Select(i => labels[i]).ToList()
                );
                Console.WriteLine($"wrote {keep.Length} images ({n} per class at most) to {dir}");
                return 0;
            }
        );
        return new Command("dataset", "Dataset utilities.") { subset };
    }
}
