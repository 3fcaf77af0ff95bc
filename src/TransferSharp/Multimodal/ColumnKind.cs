namespace TransferSharp.Multimodal;

/// <summary>How a record column is read and encoded.</summary>
public enum ColumnKind
{
    /// <summary>A number: standardised on the training split, with a missing-value indicator.</summary>
    Numeric,

    /// <summary>A category: one-hot over the training split's most frequent values, an "unknown" slot and a missing
    /// indicator.</summary>
    Categorical,

    /// <summary>true/false, yes/no: 0/1 centred, with a missing indicator.</summary>
    Boolean,

    /// <summary>A date (ISO 8601: 2024-05-31, optionally with a time): days standardised, the day of the year as
    /// sine and cosine, and a missing indicator.</summary>
    Date,
}
