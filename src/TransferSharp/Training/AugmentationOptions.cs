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

    /// <summary>No augmentation.</summary>
    public static readonly AugmentationOptions Off = new() { Crop = CropKind.None, HorizontalFlip = false };

    /// <summary>Whether anything is applied.</summary>
    public bool IsOff => Crop == CropKind.None && !HorizontalFlip;

    /// <summary>Throws <see cref="OptionException"/> naming the first bad value as <paramref
    /// name="owner"/>.Property.</summary>
    public void Validate(string owner = nameof(AugmentationOptions))
    {
        Limits.Interval($"{owner}.{nameof(PadFraction)}", PadFraction, 0, true, 0.5, false);
        Limits.Interval($"{owner}.{nameof(MinScale)}", MinScale, 0, true, 1, false);
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
        return result.MoveToOuterDisposeScope();
    }
}
