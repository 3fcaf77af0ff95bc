using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>Training-time augmentation (never applied to validation or test images).</summary>
public sealed record AugmentationOptions
{
    /// <summary>The crop. Default pad-and-crop.</summary>
    public CropKind Crop { get; init; } = CropKind.PadCrop;

    /// <summary>Random horizontal flips. Default true.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Padding of pad-and-crop as a fraction of the size. Default 0.125 (4 px at 32).</summary>
    public double PadFraction { get; init; } = 0.125;

    /// <summary>Smallest area share of a random-resized crop. Default 0.35.</summary>
    public double MinScale { get; init; } = 0.35;

    /// <summary>Random erasing (timm's <c>--reprob</c>): the probability that an image gets one rectangle, 2-33 %
    /// of its area at an aspect ratio of 0.3-3.3, filled with noise of the batch's per-channel mean and spread.
    /// It keeps where objects sit (on Fashion-MNIST's aligned images it cost LP-FT points: bench/README.md).
    /// Default 0 (off).</summary>
    public double Erasing { get; init; }

    /// <summary>No augmentation.</summary>
    public static readonly AugmentationOptions Off = new() { Crop = CropKind.None, HorizontalFlip = false };

    /// <summary>Whether anything is applied.</summary>
    public bool IsOff => Crop == CropKind.None && !HorizontalFlip && Erasing == 0;

    /// <summary>Throws <see cref="OptionException"/> naming the first bad value as <paramref
    /// name="owner"/>.Property.</summary>
    public void Validate(string owner = nameof(AugmentationOptions))
    {
        Limits.Interval($"{owner}.{nameof(PadFraction)}", PadFraction, 0, true, 0.5, false);
        Limits.Interval($"{owner}.{nameof(MinScale)}", MinScale, 0, true, 1, false);
        Limits.Interval($"{owner}.{nameof(Erasing)}", Erasing, 0, false, 1, false);
    }

    /// <summary>Augments a normalised batch [N, C, S, S].</summary>
    public Tensor Apply(Tensor x, Random random)
    {
        if (IsOff)
            return x.alias();
        using var scope = NewDisposeScope();
        long n = x.shape[0],
            size = x.shape[2];
        Tensor result = x;
        if (Crop == CropKind.PadCrop)
        {
            long pad = Math.Max(1, (long)Math.Round(size * PadFraction));
            Tensor padded = F.pad(x, new[] { pad, pad, pad, pad });
            var crops = new Tensor[n];
            for (int i = 0; i < n; i++)
                crops[i] = padded[i]
                    .narrow(1, random.NextInt64(2 * pad + 1), size)
                    .narrow(2, random.NextInt64(2 * pad + 1), size);
            result = stack(crops);
        }
        else if (Crop == CropKind.RandomResized)
        {
            var crops = new Tensor[n];
            for (int i = 0; i < n; i++)
            {
                double area = MinScale + random.NextDouble() * (1 - MinScale);
                double ratio = Math.Exp(Math.Log(3.0 / 4) + random.NextDouble() * Math.Log(16.0 / 9));
                long w = Math.Clamp((long)Math.Round(size * Math.Sqrt(area * ratio)), 8, size);
                long h = Math.Clamp((long)Math.Round(size * Math.Sqrt(area / ratio)), 8, size);
                Tensor crop = x[i]
                    .narrow(1, random.NextInt64(size - h + 1), h)
                    .narrow(2, random.NextInt64(size - w + 1), w)
                    .unsqueeze(0);
                crops[i] = F.interpolate(
                        crop,
                        new long[] { size, size },
                        mode: InterpolationMode.Bilinear,
                        align_corners: false
                    )
                    .squeeze(0);
            }
            result = stack(crops);
        }
        if (HorizontalFlip)
        {
            var flags = new bool[n];
            for (int i = 0; i < n; i++)
                flags[i] = random.Next(2) == 1;
            Tensor mask = tensor(flags, device: x.device).reshape(n, 1, 1, 1);
            result = where(mask, result.flip(3), result);
        }
        if (Erasing > 0)
            result = Erased(result, random);
        return result.MoveToOuterDisposeScope();
    }

    // One rectangle per chosen image, as timm's RandomErasing in its per-pixel mode: up to 10 tries to fit a random
    // area and aspect ratio; the noise takes the batch's statistics, so it suits any normalisation.
    private Tensor Erased(Tensor x, Random random)
    {
        long n = x.shape[0],
            channels = x.shape[1],
            height = x.shape[2],
            width = x.shape[3];
        Tensor mean = x.mean(new long[] { 0, 2, 3 }, keepdim: true)[0];
        Tensor spread = x.std(new long[] { 0, 2, 3 }, keepdim: true)[0];
        Tensor result = x.clone();
        using var generator = new Generator((ulong)random.NextInt64());
        for (int i = 0; i < n; i++)
        {
            if (random.NextDouble() >= Erasing)
                continue;
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double area = height * width * (0.02 + random.NextDouble() * (1.0 / 3 - 0.02));
                double ratio = Math.Exp(Math.Log(0.3) + random.NextDouble() * (Math.Log(3.3) - Math.Log(0.3)));
                long h = (long)Math.Round(Math.Sqrt(area * ratio)),
                    w = (long)Math.Round(Math.Sqrt(area / ratio));
                if (h < 1 || w < 1 || h >= height || w >= width)
                    continue;
                long top = random.NextInt64(height - h + 1),
                    left = random.NextInt64(width - w + 1);
                Tensor noise = randn(new long[] { channels, h, w }, generator: generator).to(x.device);
                result[i].narrow(1, top, h).narrow(2, left, w).copy_(noise * spread + mean);
                break;
            }
        }
        return result;
    }
}
