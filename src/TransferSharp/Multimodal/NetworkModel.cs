using TransferSharp.Training.Optimizers;
using static TorchSharp.torch;

namespace TransferSharp.Multimodal;

/// <summary>A trained <see cref="FusionNetwork"/>: training (AdamW, modality dropout, the best validation epoch
/// kept) and prediction.</summary>
public sealed class NetworkModel : IFusionModel
{
    /// <summary>The weights file in a run folder.</summary>
    public const string FileName = "fusion.bin";

    private NetworkModel(FusionNetwork network, int bestEpoch, int epochs)
    {
        Network = network;
        BestEpoch = bestEpoch;
        Epochs = epochs;
    }

    /// <summary>The network (eval mode).</summary>
    public FusionNetwork Network { get; }

    /// <inheritdoc />
    public FusionKind Kind => Network.Kind;

    /// <summary>The epoch whose weights were kept.</summary>
    public int BestEpoch { get; }

    /// <summary>The epochs run.</summary>
    public int Epochs { get; }

    /// <summary>Trains a <paramref name="kind"/> network on <paramref name="train"/>, keeping the epoch best on
    /// <paramref name="validation"/> (accuracy, then loss).</summary>
    public static NetworkModel Train(
        FusionKind kind,
        FusionRows train,
        FusionRows validation,
        int classes,
        MultimodalOptions options,
        Action<int, double>? epochDone = null,
        CancellationToken cancellation = default
    )
    {
        manual_seed(options.Seed);
        var network = new FusionNetwork(
            kind,
            train.ImageWidth,
            train.RecordWidth,
            classes,
            options.Hidden,
            options.Dropout,
            train.Embeddings
        );
        var group = new TorchSharp.Modules.AdamW.ParamGroup(
            network.parameters(),
            options.LearningRate,
            weight_decay: options.WeightDecay
        );
        using var optimizer = new AdamW(new[] { group }, options.LearningRate);
        using Tensor x = Matrix(train.Packed);
        using Tensor y = tensor(train.Labels.Select(l => (long)l).ToArray());
        var random = new Random(options.Seed);
        // Small tables: at least ten steps an epoch (a batch of 64 would give a hundred rows two steps).
        int batchSize = Math.Clamp(train.Count / 10, Math.Min(8, options.BatchSize), options.BatchSize);
        bool dropModalities = kind is FusionKind.Late or FusionKind.Film && options.ModalityDropout > 0;
        (double accuracy, double loss) best = (-1, double.PositiveInfinity);
        Dictionary<string, Tensor>? kept = null;
        int bestEpoch = 0,
            epoch = 0;
        try
        {
            while (epoch < options.Epochs && epoch - bestEpoch < options.Patience)
            {
                cancellation.ThrowIfCancellationRequested();
                epoch++;
                network.train();
                int[] order = Enumerable.Range(0, train.Count).ToArray();
                random.Shuffle(order);
                for (int start = 0; start < order.Length; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    int[] batch = order[start..Math.Min(order.Length, start + batchSize)];
                    using Tensor index = tensor(batch.Select(i => (long)i).ToArray());
                    Tensor inputs = x.index_select(0, index);
                    if (dropModalities)
                        inputs = DropModalities(inputs, train.ImageWidth, train.RecordWidth, options, random);
                    Tensor loss = nn.functional.cross_entropy(network.forward(inputs), y.index_select(0, index));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }
                network.eval();
                var score = Score(network, validation);
                epochDone?.Invoke(epoch, score.accuracy);
                if (score.accuracy > best.accuracy || (score.accuracy == best.accuracy && score.loss < best.loss))
                {
                    best = score;
                    bestEpoch = epoch;
                    Release(kept);
                    kept = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                }
            }
            network.load_state_dict(kept!);
        }
        finally
        {
            Release(kept);
        }
        network.eval();
        return new NetworkModel(network, bestEpoch, epoch);
    }

    /// <summary>A network saved with <see cref="Save"/>, of the shape it was trained with.</summary>
    public static NetworkModel Load(
        string folder,
        FusionKind kind,
        int imageWidth,
        int recordWidth,
        int classes,
        int hidden,
        IReadOnlyList<RecordEmbedding>? embeddings = null
    )
    {
        var network = new FusionNetwork(kind, imageWidth, recordWidth, classes, hidden, 0, embeddings);
        network.load(Path.Combine(folder, FileName));
        network.eval();
        return new NetworkModel(network, 0, 0);
    }

    /// <inheritdoc />
    public float[][] Probabilities(FusionRows rows)
    {
        using var noGrad = no_grad();
        var result = new List<float[]>(rows.Count);
        for (int start = 0; start < rows.Count; start += 1024)
        {
            using var scope = NewDisposeScope();
            using Tensor x = Matrix(rows.Packed[start..Math.Min(rows.Count, start + 1024)]);
            Tensor p = nn.functional.softmax(Network.forward(x), 1);
            int classes = (int)p.shape[1];
            float[] flat = p.data<float>().ToArray();
            for (int i = 0; i < flat.Length / classes; i++)
                result.Add(flat.AsSpan(i * classes, classes).ToArray());
        }
        return result.ToArray();
    }

    /// <inheritdoc />
    public string Save(string folder)
    {
        Network.save(Path.Combine(folder, FileName));
        return FileName;
    }

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();

    /// <summary>Rows as one [N, D] tensor.</summary>
    internal static Tensor Matrix(float[][] rows)
    {
        int width = rows.Length > 0 ? rows[0].Length : 0;
        var flat = new float[rows.Length * width];
        for (int i = 0; i < rows.Length; i++)
            rows[i].CopyTo(flat, i * width);
        return tensor(flat, new long[] { rows.Length, width });
    }

    private static (double accuracy, double loss) Score(FusionNetwork network, FusionRows rows)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor logits = network.forward(Matrix(rows.Packed));
        Tensor labels = tensor(rows.Labels.Select(l => (long)l).ToArray());
        double loss = nn.functional.cross_entropy(logits, labels).item<float>();
        double accuracy = logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
        return (accuracy, loss);
    }

    // Rows that have both lose their image (or, as often, their record): the network learns to predict from either.
    internal static Tensor DropModalities(
        Tensor inputs,
        int imageWidth,
        int recordWidth,
        MultimodalOptions options,
        Random random
    )
    {
        long rows = inputs.shape[0];
        var keepImage = new float[rows];
        var keepRecord = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            double u = random.NextDouble();
            keepImage[i] = u < options.ModalityDropout ? 0 : 1;
            keepRecord[i] = u >= options.ModalityDropout && u < 2 * options.ModalityDropout ? 0 : 1;
        }
        Tensor hasImage = inputs.narrow(1, imageWidth, 1);
        Tensor hasRecord = inputs.narrow(1, imageWidth + 1 + recordWidth, 1);
        Tensor both = hasImage * hasRecord;
        // A row missing one modality already keeps the other.
        Tensor imageFlag = hasImage * (1 - both * (1 - tensor(keepImage).unsqueeze(1)));
        Tensor recordFlag = hasRecord * (1 - both * (1 - tensor(keepRecord).unsqueeze(1)));
        return cat(
            new[]
            {
                inputs.narrow(1, 0, imageWidth),
                imageFlag,
                inputs.narrow(1, imageWidth + 1, recordWidth),
                recordFlag,
            },
            1
        );
    }

    private static void Release(Dictionary<string, Tensor>? state)
    {
        if (state is null)
            return;
        foreach (Tensor t in state.Values)
            t.Dispose();
    }
}
