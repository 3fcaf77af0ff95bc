using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>Backbone features of a list of images.</summary>
public sealed class FeatureSet
{
    internal FeatureSet(
        float[][] rows,
        int[] kept,
        List<BadImage> bad,
        int cacheHits,
        int computed,
        double seconds,
        string engine
    )
    {
        Rows = rows;
        Kept = kept;
        Bad = bad;
        CacheHits = cacheHits;
        Computed = computed;
        Seconds = seconds;
        Engine = engine;
    }

    /// <summary>"onnxruntime" or "torch": what ran the backbone ("none" when every vector came from the
    /// cache).</summary>
    public string Engine { get; }

    /// <summary>One feature vector per kept image.</summary>
    public float[][] Rows { get; }

    /// <summary>Positions (in the input list) of the images that have features.</summary>
    public int[] Kept { get; }

    /// <summary>Images that failed to decode and were skipped.</summary>
    public IReadOnlyList<BadImage> Bad { get; }

    /// <summary>How many vectors came from the cache.</summary>
    public int CacheHits { get; }

    /// <summary>How many went through the backbone.</summary>
    public int Computed { get; }

    /// <summary>Seconds spent.</summary>
    public double Seconds { get; }

    /// <summary>Images per second through the backbone (decode included), 0 when all were cached.</summary>
    public double ImagesPerSecond => Computed > 0 && Seconds > 0 ? Computed / Seconds : 0;

    /// <summary>The rows as a float tensor [N, width].</summary>
    public Tensor ToTensor()
    {
        int width = Rows.Length > 0 ? Rows[0].Length : 0;
        var flat = new float[Rows.Length * width];
        for (int i = 0; i < Rows.Length; i++)
            Rows[i].CopyTo(flat, i * width);
        return tensor(flat, new long[] { Rows.Length, width });
    }
}
