namespace TransferSharp;

/// <summary>
/// Every numeric limit on an option, in one place, with the checks that enforce them. A NaN is outside every range.
/// </summary>
public static class Limits
{
    /// <summary>Smallest input size in pixels.</summary>
    public const int MinimumSize = 32;

    /// <summary>Largest input size in pixels.</summary>
    public const int MaximumSize = 1024;

    /// <summary>Most training epochs.</summary>
    public const int MaximumEpochs = 10_000;

    /// <summary>Most full-batch steps of a feature-extraction head.</summary>
    public const int MaximumHeadSteps = 100_000;

    /// <summary>Largest batch.</summary>
    public const int MaximumBatchSize = 4096;

    /// <summary>Most epochs of patience.</summary>
    public const int MaximumPatience = 1000;

    /// <summary>Largest validation share.</summary>
    public const double MaximumValidationFraction = 0.9;

    /// <summary>
    /// Most pixels an image may declare (PIL's MAX_IMAGE_PIXELS): checked on the header, before any allocation, so that
    /// a small file declaring a huge image is refused instead of decoded.
    /// </summary>
    public const long MaximumImagePixels = 89_478_485;

    /// <summary>Most pilot epochs.</summary>
    public const int MaximumPilotEpochs = 100;

    /// <summary>Throws unless <paramref name="min"/> &lt;= <paramref name="value"/> &lt;= <paramref
    /// name="max"/>.</summary>
    public static void Range(string option, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new OptionException(option, value, $"must be between {min} and {max}.");
    }

    /// <summary>Throws unless <paramref name="min"/> &lt;= <paramref name="value"/> &lt;= <paramref name="max"/>
    /// (finite).</summary>
    public static void Range(string option, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
            throw new OptionException(option, value, $"must be between {Text(min)} and {Text(max)}.");
    }

    /// <summary>Throws unless <paramref name="value"/> lies in the interval, each end open or closed as
    /// asked.</summary>
    public static void Interval(string option, double value, double low, bool lowOpen, double high, bool highOpen)
    {
        bool above = lowOpen ? value > low : value >= low;
        bool below = highOpen ? value < high : value <= high;
        if (!(above && below))
            throw new OptionException(
                option,
                value,
                $"must be in {(lowOpen ? "(" : "[")}{Text(low)}, {Text(high)}{(highOpen ? ")" : "]")}."
            );
    }

    private static string Text(double value) => value.ToString("G", System.Globalization.CultureInfo.InvariantCulture);
}
