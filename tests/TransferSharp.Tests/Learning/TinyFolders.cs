namespace TransferSharp.Tests.Learning;

/// <summary>A tiny train/test pair of image folders (3 classes) shared by the fit tests.</summary>
public sealed class TinyFolders
{
    public TinyFolders()
    {
        Train = TestImages.WriteFolder(TestPaths.NewTempDir("fit-train"), classes: 3, perClass: 10, size: 32);
        Test = TestImages.WriteFolder(TestPaths.NewTempDir("fit-test"), classes: 3, perClass: 4, size: 32);
    }

    public string Train { get; }
    public string Test { get; }
}
