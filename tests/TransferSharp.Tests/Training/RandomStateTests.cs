using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class RandomStateTests
{
    [Fact]
    public void RestoredGeneratorDrawsWhatTheOriginalWouldHaveDrawn()
    {
        var original = new Random(42);
        for (int i = 0; i < 1000; i++)
            original.NextDouble();
        using var saved = new MemoryStream();
        RandomState.Write(new BinaryWriter(saved), original);
        var expected = Enumerable.Range(0, 100).Select(i => original.Next(i + 1) + original.NextDouble()).ToList();
        var restored = new Random(7);
        saved.Position = 0;
        RandomState.Read(new BinaryReader(saved), restored);
        var drawn = Enumerable.Range(0, 100).Select(i => restored.Next(i + 1) + restored.NextDouble()).ToList();
        Assert.Equal(expected, drawn);
    }
}
