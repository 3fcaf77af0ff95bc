namespace TransferSharp.Data;

/// <summary>Which part of a folder of IDX files to load when it holds several.</summary>
public enum DatasetRole
{
    /// <summary>Files whose names start with "train".</summary>
    Train,

    /// <summary>Files whose names start with "t10k" or "test".</summary>
    Test,
}
