namespace TransferSharp.Multimodal;

/// <summary>What a multimodal candidate sees and how it joins the two.</summary>
public enum FusionKind
{
    /// <summary>The image's pooled features alone (the record ignored): the image-only baseline.</summary>
    ImageOnly,

    /// <summary>The encoded record alone, through the same MLP: a record-only baseline.</summary>
    RecordOnly,

    /// <summary>Gradient-boosted trees (ML.NET's LightGBM) on the encoded record: the tabular standard.</summary>
    RecordBoosted,

    /// <summary>Late fusion: the pooled image features and the encoded record, concatenated, into one MLP.</summary>
    Late,

    /// <summary>FiLM: the record scales and shifts the last image group's channels, then the MLP.</summary>
    Film,
}
