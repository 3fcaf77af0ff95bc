using System.Diagnostics;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// Resolves <see cref="TrainingPrecision.Auto"/>: bf16 where the CPU computes it natively (AVX512_BF16 or AMX) and, on
/// the run's own training images, bf16's error in the training step's gradient is smaller than the gradient's own
/// minibatch noise (<see cref="MaxErrorToNoise"/>); fp32 otherwise, with the reason.
/// </summary>
public static class PrecisionCheck
{
    /// <summary>The largest ratio of bf16's gradient error to the minibatch noise with which bf16 is used: its
    /// perturbation no larger than the one SGD takes from its sampling. ResNet18 on Fashion-MNIST measures about
    /// 0.3-0.8 (32 to 224 px) and trains as well in bf16 as in fp32 (bench/README.md).</summary>
    public const double MaxErrorToNoise = 1.0;

    /// <summary>Training images the check runs: two minibatches of 32.</summary>
    public const int Images = 64;

    /// <summary>Whether this CPU has native bf16 arithmetic (Linux: AVX512_BF16 or AMX-BF16 in
    /// /proc/cpuinfo).</summary>
    public static bool CpuHasBf16 { get; } = DetectBf16();

    private static bool DetectBf16()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo"))
                return false;
            string? flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags"));
            var set = flags?.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? [];
            return set.Contains("avx512_bf16") || set.Contains("amx_bf16");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>auto's record when it runs fp32 because of <paramref name="reason"/>.</summary>
    public static TrainingPrecisionReport Fp32(string? reason, bool cpuHasBf16) =>
        new()
        {
            Requested = nameof(TrainingPrecision.Auto).ToLowerInvariant(),
            Used = "fp32",
            CpuBf16 = cpuHasBf16,
            Reason = reason,
        };

    /// <summary>The precision <paramref name="model"/> trains in on <paramref name="device"/>, given whether the CPU
    /// has native bf16 (<paramref name="cpuHasBf16"/>), checked on the first <see cref="Images"/> of <paramref
    /// name="train"/>.</summary>
    public static TrainingPrecisionReport Resolve(TransferModel model, ImageStore train, Device device, bool cpuHasBf16)
    {
        var report = Fp32(null, cpuHasBf16);
        string? refusal =
            device.type != TorchSharp.DeviceType.CPU ? $"the automatic choice covers the CPU; this run is on {device}"
            : !cpuHasBf16 ? "the CPU has neither AVX512_BF16 nor AMX: bf16 would be emulated, slower than fp32"
            : train.Count < 4 ? $"too few training images to check on ({train.Count})"
            : null;
        if (refusal is not null)
            return report with { Reason = refusal };
        var watch = Stopwatch.StartNew();
        int count = Math.Min(Images, train.Count);
        double error,
            noise;
        try
        {
            (error, noise) = GradientDistances(model, train, device, count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return report with { Reason = $"the check could not run ({e.Message})" };
        }
        double ratio = noise > 0 ? error / noise : double.PositiveInfinity;
        bool keep = ratio <= MaxErrorToNoise;
        return report with
        {
            Used = keep ? "bf16" : "fp32",
            Reason = keep
                ? null
                : $"bf16's gradient error ({error:F3} of the gradient's norm) is {ratio:F2} of the minibatch noise "
                    + $"({noise:F3}) on {count} training images, above {MaxErrorToNoise:F2}",
            CheckImages = count,
            GradientError = Math.Round(error, 4),
            MinibatchNoise = Math.Round(noise, 4),
            MaxErrorToNoise = MaxErrorToNoise,
            Seconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
        };
    }

    // The training step's gradient (every trainable backbone parameter's, cross-entropy through the head) on each half
    // of the first images, with bf16 convolutions and with fp32 ones: bf16's relative distance from fp32's (its
    // error, mean of the halves) and the halves' from each other (the minibatch noise SGD lives with).
    // Training mode; the BatchNorm statistics the passes move and the gradients they leave are put back. A Dropout
    // draws other masks in each pass: the error reads high, and the check errs towards fp32.
    internal static (double Error, double Noise) GradientDistances(
        TransferModel model,
        ImageStore train,
        Device device,
        int count
    )
    {
        var network = model.Backbone.Network;
        using var scope = NewDisposeScope();
        var parameters = network.parameters().Where(p => p.requires_grad).ToList();
        if (parameters.Count == 0)
            throw new InvalidOperationException("no backbone parameter trains");
        var buffers = network.buffers().ToList();
        var saved = buffers.Select(b => b.clone()).ToList();
        bool wasTraining = network.training,
            headTraining = model.Head.training;
        ScalarType? previous = network.TrainingComputeType;
        void Restore()
        {
            using var noGrad = no_grad();
            for (int i = 0; i < buffers.Count; i++)
                buffers[i].copy_(saved[i]);
            foreach (var p in parameters.Concat(model.Head.parameters()))
                p.grad = null;
        }
        try
        {
            int half = count / 2;
            Tensor Gradient(long start, ScalarType? type)
            {
                Tensor index = arange(start, start + half, dtype: ScalarType.Int64);
                Tensor input = train.Batch(model.Backbone, index, device);
                Tensor labels = train.Labels.index_select(0, index).to(device);
                network.TrainingComputeType = type;
                network.train();
                model.Head.train();
                using (var grad = enable_grad())
                    nn.functional.cross_entropy(model.Forward(input), labels).backward();
                Tensor gradient = cat(parameters.Select(p => p.grad?.flatten() ?? zeros_like(p).flatten()).ToArray());
                Restore();
                return gradient;
            }
            Tensor first = Gradient(0, null),
                second = Gradient(half, null);
            double Relative(Tensor a, Tensor b) =>
                (a - b).norm().item<float>() / Math.Max(b.norm().item<float>(), 1e-30);
            double error =
                (
                    Relative(Gradient(0, ScalarType.BFloat16), first)
                    + Relative(Gradient(half, ScalarType.BFloat16), second)
                ) / 2;
            return (error, (Relative(second, first) + Relative(first, second)) / 2);
        }
        finally
        {
            Restore();
            network.TrainingComputeType = previous;
            network.train(wasTraining);
            model.Head.train(headTraining);
        }
    }
}
