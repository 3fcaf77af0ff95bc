using System.Text.Json;
using TransferSharp.Backbones;
using TransferSharp.Learning;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Learning;

public class SpeedProfileTests
{
    [Fact]
    public void AHeadOnIntermediateLayersIsMeasuredAndRememberedApart()
    {
        string cache = TestPaths.NewTempDir("speeds");
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        var model = new ModelOptions { Size = 32 };
        SpeedProfile whole = SpeedProfile.For(backbone, model, CPU, cache),
            stage2 = SpeedProfile.For(backbone, model, CPU, cache, ["stage2"]);
        Assert.True(whole.StepSeconds > 0 && stage2.StepSeconds > 0);
        // Each under its own key; asked again, each comes back from the file, not measured again.
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(cache, "speeds.json")));
        var keys = file.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Single(keys, k => k.EndsWith("|layers=stage2", StringComparison.Ordinal));
        Assert.Equal(stage2, SpeedProfile.For(backbone, model, CPU, cache, ["stage2"]));
        Assert.Equal(whole, SpeedProfile.For(backbone, model, CPU, cache));
        // The backbone given is left as it was.
        Assert.True(backbone.FinalFeaturesOnly);
    }
}
