using System.Diagnostics;
using TorchSharp;
using TransferSharp.Backbones;
using TransferSharp.IO;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Learning;

/// <summary>
/// This machine's seconds per image for one backbone at one input size: a frozen forward pass and a training step
/// (forward, backward, AdamW, every group trainable). Measured once on a random batch and kept in the cache folder
/// (speeds.json), so that a time limit can be planned before anything is trained.
/// </summary>
/// <param name="ForwardSeconds">Seconds per image of an inference pass.</param>
/// <param name="StepSeconds">Seconds per image of a training step.</param>
public sealed record SpeedProfile(double ForwardSeconds, double StepSeconds)
{
    private const string File = "speeds.json";
    private const int Batch = 16;

    /// <summary>The profile of the backbone that <paramref name="backbone"/> was loaded as (a fresh copy is measured:
    /// the one given is left untouched) on <paramref name="device"/>, its head on <paramref name="layers"/> (null: the
    /// last group; the groups after the deepest one read do not run): remembered, or measured (a few seconds) and
    /// remembered in <paramref name="cacheDirectory"/> when one is given.</summary>
    public static SpeedProfile For(
        Backbone backbone,
        ModelOptions model,
        Device device,
        string? cacheDirectory,
        IReadOnlyList<string>? layers = null
    )
    {
        string key =
            $"{backbone.Config.Name}|{backbone.WeightsHash}|{backbone.InputSize}|{device}|{get_num_threads()}"
            + (layers is null ? "" : $"|layers={string.Join(",", layers)}");
        string? path = cacheDirectory is null ? null : Path.Combine(cacheDirectory, File);
        var known = Read(path);
        if (known.TryGetValue(key, out var profile))
            return profile;
        var copy = Backbone.Load(model.Backbone, backbone.InputSize, preprocessing: model.Preprocessing);
        if (layers is not null)
            copy.UseFeatureLayers(layers);
        profile = Measure(copy, device);
        if (path is not null)
        {
            known[key] = profile;
            try
            {
                Directory.CreateDirectory(cacheDirectory!);
                Json.Write(path, known);
            }
            catch (IOException)
            {
                // A read-only or full cache folder costs a re-measurement next time, nothing else.
            }
        }
        return profile;
    }

    private static Dictionary<string, SpeedProfile> Read(string? path)
    {
        if (path is null || !System.IO.File.Exists(path))
            return new();
        try
        {
            return Json.Read<Dictionary<string, SpeedProfile>>(path);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return new(); // a damaged file is measured again and rewritten
        }
    }

    // On a copy of its own: the model owns (and disposes) the backbone, and training steps move its weights.
    private static SpeedProfile Measure(Backbone backbone, Device device)
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        Tensor x = randn(Batch, backbone.Network.InputChannels, backbone.InputSize, backbone.InputSize).to(device);
        Tensor y = randint(0, 2, new long[] { Batch }, dtype: ScalarType.Int64).to(device);
        using var model = new TransferModel(backbone, new ClassifierHead(backbone.FeatureWidth, 2));
        backbone.Network.to(device);
        model.Head.to(device);
        double forward = Time(() =>
        {
            model.Train(false);
            using var _ = no_grad();
            model.Forward(x);
        });
        Freezer.Apply(model, model.Groups.Select(_ => GroupMode.Full).ToList());
        model.Train(true);
        using var optimizer = new Training.Optimizers.AdamW(
            [new TorchSharp.Modules.AdamW.ParamGroup(model.Groups.SelectMany(g => g.All), 1e-6)],
            1e-6
        );
        double step = Time(() =>
        {
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.Forward(x), y).backward();
            optimizer.step();
        });
        return new SpeedProfile(forward / Batch, step / Batch);
    }

    // One untimed run, then the faster of two timed ones (the first timed one may still pay for allocations).
    private static double Time(Action run)
    {
        run();
        double best = double.MaxValue;
        for (int i = 0; i < 2; i++)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }
}
