namespace TransferSharp.Data;

/// <summary>
/// The Fashion-MNIST subset shipped with TransferSharp (100 training and 100 test images per class, cut with a fixed
/// seed from Debian's dataset-fashion-mnist; MIT licence): what <c>transfersharp fit</c> trains on when no data is
/// given.
/// </summary>
public static class EmbeddedData
{
    /// <summary>The folder name, under the application's folder (the build copies it there).</summary>
    public const string FolderName = "data/fashion-mnist-small";

    /// <summary>The folder holding the subset.</summary>
    public static string Folder
    {
        get
        {
            string path = Path.Combine(AppContext.BaseDirectory, FolderName);
            if (!Directory.Exists(path))
                throw new DataException(
                    $"{path}: the embedded Fashion-MNIST subset is missing from the application folder; rebuild "
                        + $"with 'dotnet build', or pass --data.",
                    path
                );
            return path;
        }
    }

    /// <summary>The training part (IDX images file; labels beside it).</summary>
    public static string TrainImages => Path.Combine(Folder, "train-images-idx3-ubyte.gz");

    /// <summary>The test part.</summary>
    public static string TestImages => Path.Combine(Folder, "t10k-images-idx3-ubyte.gz");
}
