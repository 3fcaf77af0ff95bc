namespace TransferSharp.Multimodal;

/// <summary>A high-cardinality categorical column read through a learned embedding: its slot in the encoded record
/// (holding the category's index), the table's rows (the kept categories, "unknown", "missing") and the vector
/// width.</summary>
public sealed record RecordEmbedding(int Offset, int Size, int Width);
