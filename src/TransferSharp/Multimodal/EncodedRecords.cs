namespace TransferSharp.Multimodal;

/// <summary>Encoded rows, whether each has a record at all, and per column the missing and unseen-category
/// counts.</summary>
public sealed record EncodedRecords(float[][] Values, bool[] Present, int[] Missing, int[] Unknown);
