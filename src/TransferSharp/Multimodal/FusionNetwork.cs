using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransferSharp.Multimodal;

/// <summary>
/// The fusion head over frozen image features and an encoded record. Input rows are packed as [image features
/// (standardised), has-image, record, has-record]: a missing modality is zeros with its flag 0, which is also what
/// modality dropout makes while training, so that either can be missing at predict time.
/// </summary>
public sealed class FusionNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Linear hidden;
    private readonly Linear output;
    private readonly Dropout dropout;
    private readonly Linear? imageIn;
    private readonly Linear? recordIn;
    private readonly Linear? filmIn;
    private readonly Linear? filmScale;
    private readonly Linear? filmShift;
    private readonly IReadOnlyList<RecordEmbedding> embeddings;
    private readonly List<Embedding> tables = new();

    /// <summary>A <paramref name="kind"/> head for <paramref name="imageWidth"/> features and <paramref
    /// name="recordWidth"/> encoded values.</summary>
    public FusionNetwork(
        FusionKind kind,
        int imageWidth,
        int recordWidth,
        int classes,
        int width,
        double drop,
        IReadOnlyList<RecordEmbedding>? embeddings = null
    )
        : base(nameof(FusionNetwork))
    {
        if (kind == FusionKind.RecordBoosted)
            throw new ArgumentException("boosted trees are not a network", nameof(kind));
        Kind = kind;
        ImageWidth = imageWidth;
        RecordWidth = recordWidth;
        // The image-only head never reads the record.
        this.embeddings =
            kind == FusionKind.ImageOnly
                ? Array.Empty<RecordEmbedding>()
                : embeddings ?? Array.Empty<RecordEmbedding>();
        for (int e = 0; e < this.embeddings.Count; e++)
        {
            tables.Add(nn.Embedding(this.embeddings[e].Size, this.embeddings[e].Width));
            register_module($"embedding_{e}", tables[e]);
        }
        // The record as the branches read it: each embedded column's index slot replaced by its vector.
        int coded = recordWidth + this.embeddings.Sum(e => e.Width - 1);
        int inputs = kind switch
        {
            FusionKind.ImageOnly or FusionKind.Film => imageWidth + 1,
            FusionKind.RecordOnly => coded + 1,
            _ => 2 * width,
        };
        hidden = nn.Linear(inputs, width);
        output = nn.Linear(width, classes);
        dropout = nn.Dropout(drop);
        register_module("hidden", hidden);
        register_module("output", output);
        register_module("dropout", dropout);
        if (kind == FusionKind.Late)
        {
            // Each modality its own encoder first: fed raw, 512 image features memorise a small training set before
            // the few record columns get a say.
            imageIn = nn.Linear(imageWidth + 1, width);
            recordIn = nn.Linear(coded + 1, width);
            register_module("image_in", imageIn);
            register_module("record_in", recordIn);
        }
        if (kind == FusionKind.Film)
        {
            filmIn = nn.Linear(coded + 1, width);
            filmScale = nn.Linear(width, imageWidth);
            filmShift = nn.Linear(width, imageWidth);
            // Zero: the head starts as the image-only one; the record learns how far to move each channel.
            using (no_grad())
                foreach (Linear layer in new[] { filmScale, filmShift })
                {
                    layer.weight!.zero_();
                    layer.bias!.zero_();
                }
            register_module("film_in", filmIn);
            register_module("film_scale", filmScale);
            register_module("film_shift", filmShift);
        }
        foreach (var p in parameters())
            p.DetachFromDisposeScope();
    }

    /// <summary>The kind.</summary>
    public FusionKind Kind { get; }

    /// <summary>The image feature width.</summary>
    public int ImageWidth { get; }

    /// <summary>The encoded record width.</summary>
    public int RecordWidth { get; }

    /// <summary>The packed input width.</summary>
    public int InputWidth => ImageWidth + RecordWidth + 2;

    /// <summary>The record branch's parameters (its embeddings and its encoder: late fusion's, or FiLM's conditioning
    /// input), which joint
    /// tuning gives their own rate; the rest is the fusion head.</summary>
    public IReadOnlyList<Parameter> RecordParameters() =>
        named_parameters()
            .Where(p =>
                p.name.StartsWith("record_in.") || p.name.StartsWith("film_in.") || p.name.StartsWith("embedding_")
            )
            .Select(p => p.parameter)
            .ToList();

    /// <summary>The fusion head's parameters: every one not in <see cref="RecordParameters"/>.</summary>
    public IReadOnlyList<Parameter> HeadParameters()
    {
        var record = new HashSet<Parameter>(RecordParameters(), ReferenceEqualityComparer.Instance);
        return parameters().Where(p => !record.Contains(p)).ToList();
    }

    /// <summary>Logits [N, classes] from packed rows [N, <see cref="InputWidth"/>].</summary>
    public override Tensor forward(Tensor packed)
    {
        using var scope = NewDisposeScope();
        Tensor hasImage = packed.narrow(1, ImageWidth, 1);
        Tensor image = packed.narrow(1, 0, ImageWidth) * hasImage;
        Tensor hasRecord = packed.narrow(1, ImageWidth + 1 + RecordWidth, 1);
        Tensor record = Code(packed.narrow(1, ImageWidth + 1, RecordWidth)) * hasRecord;
        Tensor joined = Kind switch
        {
            FusionKind.ImageOnly => cat(new[] { image, hasImage }, 1),
            FusionKind.RecordOnly => cat(new[] { record, hasRecord }, 1),
            FusionKind.Late => dropout.forward(
                cat(
                    new[]
                    {
                        nn.functional.relu(imageIn!.forward(cat(new[] { image, hasImage }, 1))),
                        nn.functional.relu(recordIn!.forward(cat(new[] { record, hasRecord }, 1))),
                    },
                    1
                )
            ),
            _ => cat(new[] { Film(image, record, hasRecord), hasImage }, 1),
        };
        Tensor h = dropout.forward(nn.functional.relu(hidden.forward(joined)));
        return output.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>The embedded columns (their index slots in the record).</summary>
    public IReadOnlyList<RecordEmbedding> Embeddings => embeddings;

    // Each embedded column's index slot replaced by its row of the embedding table; the other values as they are.
    private Tensor Code(Tensor record)
    {
        if (embeddings.Count == 0)
            return record;
        var parts = RecordEmbedding
            .Segments(embeddings, RecordWidth)
            .Select(s =>
                s.embedding is { } e
                    ? tables[e].forward(record.narrow(1, s.start, 1).squeeze(1).to_type(ScalarType.Int64))
                    : record.narrow(1, s.start, s.length)
            );
        return cat(parts.ToArray(), 1);
    }

    // Global average pooling is linear, so a per-channel scale and shift of the pooled features is exactly FiLM on the
    // last group's feature map (before pooling): the frozen pass need not run again per record.
    private Tensor Film(Tensor image, Tensor record, Tensor hasRecord)
    {
        Tensor r = nn.functional.relu(filmIn!.forward(cat(new[] { record, hasRecord }, 1)));
        Tensor scale = filmScale!.forward(r) * hasRecord;
        Tensor shift = filmShift!.forward(r) * hasRecord;
        return image * (1 + scale) + shift;
    }
}
