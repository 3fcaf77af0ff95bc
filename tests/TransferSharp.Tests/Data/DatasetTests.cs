using TransferSharp.Data;

namespace TransferSharp.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void ImageFolderGivesSortedClassesAndCounts()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("folder"), classes: 3, perClass: 4, size: 8);
        ImageDataset data = DatasetLoader.Load(root);
        Assert.Equal(new[] { "class0", "class1", "class2" }, data.ClassNames);
        Assert.Equal(new[] { 4, 4, 4 }, data.CountsPerClass());
        Assert.All(data.Items, item => Assert.Contains($"class{item.Label}", item.Source.Id));
    }

    [Fact]
    public void EmptyClassFolderIsNamed()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("folder"), classes: 2, perClass: 2, size: 8);
        Directory.CreateDirectory(Path.Combine(root, "empty_class"));
        var error = Assert.Throws<DataException>(() => DatasetLoader.Load(root));
        Assert.Contains("empty_class", error.Message);
    }

    [Fact]
    public void OneClassIsAnError()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("folder"), classes: 1, perClass: 2, size: 8);
        var error = Assert.Throws<DataException>(() => DatasetLoader.Load(root));
        Assert.Contains("at least two", error.Message);
    }

    [Fact]
    public void CsvWithRelativePaths()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("csv"), classes: 2, perClass: 2, size: 8);
        string csv = Path.Combine(root, "labels.csv");
        File.WriteAllLines(
            csv,
            new[]
            {
                "id,path,label",
                "1,class0/img000.png,cat",
                "2,class0/img001.png,cat",
                "3,class1/img000.png,dog",
                "4,\"class1/img001.png\",dog",
            }
        );
        ImageDataset data = DatasetLoader.Load(csv);
        Assert.Equal(new[] { "cat", "dog" }, data.ClassNames);
        Assert.Equal(4, data.Count);
        Assert.True(File.Exists(data.Items[3].Source.Id));
    }

    [Fact]
    public void CsvErrorsNameTheRowOrColumns()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("csv"), classes: 2, perClass: 1, size: 8);
        string csv = Path.Combine(root, "bad.csv");
        File.WriteAllLines(csv, new[] { "path,label", "class0/img000.png,a", "class1/missing.png,b" });
        var missing = Assert.Throws<DataException>(() => DatasetLoader.Load(csv));
        Assert.Contains("row 3", missing.Message);
        Assert.Contains("missing.png", missing.Message);
        File.WriteAllLines(csv, new[] { "file,class", "class0/img000.png,a" });
        var columns = Assert.Throws<DataException>(() => DatasetLoader.Load(csv));
        Assert.Contains("'path' and 'label'", columns.Message);
        Assert.Contains("file, class", columns.Message);
    }

    [Theory]
    [InlineData(".gz")]
    [InlineData("")]
    public void IdxRoundTrip(string extension)
    {
        string dir = TestPaths.NewTempDir("idx");
        var images = Enumerable
            .Range(0, 6)
            .Select(i => Enumerable.Range(0, 12).Select(p => (byte)(i * 12 + p)).ToArray())
            .ToList();
        byte[] labels = { 0, 1, 2, 0, 1, 2 };
        IdxFormat.WriteImages(Path.Combine(dir, $"train-images-idx3-ubyte{extension}"), images, 3, 4);
        IdxFormat.WriteLabels(Path.Combine(dir, $"train-labels-idx1-ubyte{extension}"), labels);
        ImageDataset data = DatasetLoader.Load(dir);
        Assert.Equal(6, data.Count);
        Assert.Equal(labels.Select(l => (int)l), data.Labels());
        RawImage image = data.Items[5].Source.Decode();
        Assert.Equal((4, 3, 1), (image.Width, image.Height, image.Channels));
        Assert.Equal(images[5], image.Pixels);
    }

    [Fact]
    public void IdxCountMismatchNamesTheFile()
    {
        string dir = TestPaths.NewTempDir("idx");
        IdxFormat.WriteImages(Path.Combine(dir, "train-images-idx3-ubyte"), new[] { new byte[4], new byte[4] }, 2, 2);
        IdxFormat.WriteLabels(Path.Combine(dir, "train-labels-idx1-ubyte"), new byte[] { 0 });
        var error = Assert.Throws<DataException>(() => DatasetLoader.Load(dir));
        Assert.Contains("train-labels-idx1-ubyte", error.Message);
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), new byte[] { 1, 2, 3 });
        Assert.Contains("train-images-idx3-ubyte", Assert.Throws<DataException>(() => DatasetLoader.Load(dir)).Message);
    }

    [Fact]
    public void StratifiedSplitIsDeterministicAndBalanced()
    {
        int[] labels = Enumerable.Range(0, 100).Select(i => i % 4).ToArray();
        string[] names = { "a", "b", "c", "d" };
        var first = StratifiedSplit.Split(labels, names, 0.2, seed: 5);
        var second = StratifiedSplit.Split(labels, names, 0.2, seed: 5);
        var other = StratifiedSplit.Split(labels, names, 0.2, seed: 6);
        Assert.Equal(first.validation, second.validation);
        Assert.NotEqual(first.validation, other.validation);
        Assert.Equal(20, first.validation.Length);
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(5, first.validation.Count(i => labels[i] == c)));
        Assert.Empty(first.train.Intersect(first.validation));
    }

    [Fact]
    public void SplitRefusesAOneImageClass()
    {
        var error = Assert.Throws<DataException>(() =>
            StratifiedSplit.Split(new[] { 0, 0, 1 }, new[] { "many", "lonely" }, 0.1, 0)
        );
        Assert.Contains("lonely", error.Message);
        Assert.Contains("1 image", error.Message);
    }

    [Fact]
    public void TakePerClassCaps()
    {
        int[] labels = Enumerable.Range(0, 50).Select(i => i < 40 ? 0 : 1).ToArray();
        int[] kept = StratifiedSplit.TakePerClass(labels, 7, seed: 1);
        Assert.Equal(7, kept.Count(i => labels[i] == 0));
        Assert.Equal(7, kept.Count(i => labels[i] == 1));
        Assert.Equal(kept.Order(), kept);
    }
}
