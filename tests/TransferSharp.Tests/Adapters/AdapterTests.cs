using TransferSharp.Adapters;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Learning;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Adapters;

public class AdapterTests
{
    private static ChannelImage Random(int channels, int size, int seed, float scale = 1000)
    {
        var random = new Random(seed);
        return new ChannelImage(
            Enumerable
                .Range(0, channels * size * size)
                .Select(_ => (float)Math.Round(random.NextDouble() * scale))
                .ToArray(),
            channels,
            size,
            size
        );
    }

    [Theory]
    [InlineData("|u1", 255f)]
    [InlineData("<u2", 4000f)]
    [InlineData("<f4", 1f)]
    public void NpyRoundTripsEveryDtype(string dtype, float scale)
    {
        string path = Path.Combine(TestPaths.NewTempDir("npy"), "a.npy");
        ChannelImage image = Random(5, 7, 1, scale);
        Npy.Write(path, image, dtype);
        ChannelImage read = Npy.Read(path);
        Assert.Equal((5, 7, 7), (read.Channels, read.Height, read.Width));
        Assert.Equal(image.Data, read.Data);
    }

    [Fact]
    public void NpyReadsChannelsLastAndTwoDimensionalArrays()
    {
        string dir = TestPaths.NewTempDir("npy");
        // A [C=2, H=3, W=4] array read as [H=2, W=3, C=4] is a transpose of the same bytes.
        ChannelImage image = Random(2, 3, 2);
        var wide = new ChannelImage(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);
        Npy.Write(Path.Combine(dir, "hwc.npy"), wide);
        ChannelImage hwc = Npy.Read(Path.Combine(dir, "hwc.npy"), channelsLast: true);
        Assert.Equal((4, 2, 3), (hwc.Channels, hwc.Height, hwc.Width));
        Assert.Equal(1f, hwc.Data[1 * 6 + 0]); // channel 1 of pixel (0, 0) is the second value of the file
        Assert.NotNull(image);
    }

    [Fact]
    public void BadArraysGiveErrorsNamingTheFileAndTheProblem()
    {
        string dir = TestPaths.NewTempDir("npy-bad");
        string nan = Path.Combine(dir, "nan.npy");
        var image = Random(2, 4, 3);
        image.Data[5] = float.NaN;
        Npy.Write(nan, image);
        var e1 = Assert.Throws<DataException>(() => Npy.Read(nan));
        Assert.Contains("nan.npy", e1.Message);
        Assert.Contains("NaN", e1.Message);

        string int64 = Path.Combine(dir, "int64.npy");
        Npy.Write(int64, Random(1, 4, 4));
        byte[] bytes = File.ReadAllBytes(int64);
        string text = System.Text.Encoding.Latin1.GetString(bytes).Replace("'<f4'", "'<i8'");
        File.WriteAllBytes(int64, System.Text.Encoding.Latin1.GetBytes(text));
        var e2 = Assert.Throws<DataException>(() => Npy.Read(int64));
        Assert.Contains("'<i8'", e2.Message);
        Assert.Contains("int64.npy", e2.Message);
    }

    private static void WriteTiff(
        string path,
        ChannelImage image,
        int bits,
        bool planar,
        BitMiracle.LibTiff.Classic.SampleFormat format = BitMiracle.LibTiff.Classic.SampleFormat.UINT
    )
    {
        using var tiff = BitMiracle.LibTiff.Classic.Tiff.Open(path, "w");
        tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.IMAGEWIDTH, image.Width);
        tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.IMAGELENGTH, image.Height);
        tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.SAMPLESPERPIXEL, image.Channels);
        tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.BITSPERSAMPLE, bits);
        tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.SAMPLEFORMAT, format);
        tiff.SetField(
            BitMiracle.LibTiff.Classic.TiffTag.PLANARCONFIG,
            planar ? BitMiracle.LibTiff.Classic.PlanarConfig.SEPARATE : BitMiracle.LibTiff.Classic.PlanarConfig.CONTIG
        );
        tiff.SetField(
            BitMiracle.LibTiff.Classic.TiffTag.PHOTOMETRIC,
            BitMiracle.LibTiff.Classic.Photometric.MINISBLACK
        );
        tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.ROWSPERSTRIP, image.Height);
        int bytes = bits / 8;
        void Put(byte[] line, int offset, float v)
        {
            if (bits == 16)
                BitConverter.GetBytes((ushort)v).CopyTo(line, offset);
            else if (bits == 32)
                BitConverter.GetBytes(v).CopyTo(line, offset);
            else
                line[offset] = (byte)v;
        }
        if (planar)
            for (int c = 0; c < image.Channels; c++)
            for (int y = 0; y < image.Height; y++)
            {
                var line = new byte[image.Width * bytes];
                for (int x = 0; x < image.Width; x++)
                    Put(line, x * bytes, image.Data[(c * image.Height + y) * image.Width + x]);
                tiff.WriteScanline(line, y, (short)c);
            }
        else
            for (int y = 0; y < image.Height; y++)
            {
                var line = new byte[image.Width * image.Channels * bytes];
                for (int x = 0; x < image.Width; x++)
                for (int c = 0; c < image.Channels; c++)
                    Put(line, (x * image.Channels + c) * bytes, image.Data[(c * image.Height + y) * image.Width + x]);
                tiff.WriteScanline(line, y);
            }
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(16, true)]
    [InlineData(8, false)]
    public void MultichannelTiffReadsContiguousAndPlanar(int bits, bool planar)
    {
        string path = Path.Combine(TestPaths.NewTempDir("tiff"), "a.tif");
        ChannelImage image = Random(5, 6, 7, bits == 8 ? 255 : 4000);
        WriteTiff(path, image, bits, planar);
        ChannelImage read = new TiffImageSource(path).DecodeChannels();
        Assert.Equal((5, 6, 6), (read.Channels, read.Height, read.Width));
        Assert.Equal(image.Data, read.Data);
    }

    [Fact]
    public void UnsupportedTiffSampleTypeNamesFileAndType()
    {
        string path = Path.Combine(TestPaths.NewTempDir("tiff"), "int.tif");
        WriteTiff(path, Random(2, 4, 1, 100), 32, false, BitMiracle.LibTiff.Classic.SampleFormat.INT);
        var e = Assert.Throws<DataException>(() => TiffArrays.Read(path));
        Assert.Contains("int.tif", e.Message);
        Assert.Contains("unsupported", e.Message);
        string notTiff = Path.Combine(TestPaths.NewTempDir("tiff"), "text.tif");
        File.WriteAllText(notTiff, "hello");
        Assert.Contains("text.tif", Assert.Throws<DataException>(() => TiffArrays.Read(notTiff)).Message);
    }

    [Fact]
    public void MixedChannelCountsNameAFileOfEachKind()
    {
        string root = TestPaths.NewTempDir("npy-mixed");
        for (int k = 0; k < 2; k++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"c{k}"));
            for (int i = 0; i < 3; i++)
                Npy.Write(Path.Combine(root, $"c{k}", $"{i}.npy"), Random(k == 1 && i == 2 ? 5 : 4, 8, i));
        }
        ImageDataset data = DatasetLoader.Load(root);
        var e = Assert.Throws<DataException>(() =>
            TransferSharp.Training.ImageStore.Load(
                data,
                Enumerable.Range(0, data.Count).ToList(),
                32,
                false,
                null,
                "train",
                channels: true
            )
        );
        Assert.Contains("has 4", e.Message);
        Assert.Contains("has 5", e.Message);
        Assert.Contains(Path.Combine("c1", "2.npy"), e.Message);
    }

    [Fact]
    public void WeightSumOnGrayEqualsTheOriginalNetworkOnReplicatedGray()
    {
        using Backbone original = Backbone.Load(Registry.DefaultName, 32);
        using Backbone adapted = Backbone.Load(Registry.DefaultName, 32);
        InputAdapters.Apply(adapted, AdapterKind.WeightSum, 1);
        Assert.Equal(1, adapted.Network.InputChannels);
        original.Network.eval();
        adapted.Network.eval();
        using var _ = no_grad();
        Tensor gray = randn(2, 1, 32, 32) * 50;
        Tensor expected = original.Features(gray.expand(-1, 3, -1, -1).contiguous());
        Tensor actual = adapted.Features(gray);
        Assert.True(
            actual.allclose(expected, rtol: 1e-4, atol: 1e-4),
            $"max diff {(actual - expected).abs().max().item<float>()}"
        );
    }

    [Fact]
    public void Conv1x1StartsAsReplicateAndWeightSumRescalesManyBands()
    {
        using Backbone original = Backbone.Load(Registry.DefaultName, 32);
        using Backbone withAdapter = Backbone.Load(Registry.DefaultName, 32);
        InputAdapters.Apply(withAdapter, AdapterKind.Conv1x1, 5);
        Assert.Equal(InputAdapters.GroupName, withAdapter.Network.Groups[0].Name);
        Assert.Equal("stem", withAdapter.Network.Groups[1].Name);
        original.Network.eval();
        withAdapter.Network.eval();
        using var _ = no_grad();
        Tensor bands = randn(2, 5, 32, 32) * 50;
        Tensor replicate = bands.narrow(1, 0, 3).contiguous(); // output k reads band k
        Assert.True(withAdapter.Features(bands).allclose(original.Features(replicate), rtol: 1e-4, atol: 1e-4));

        using Backbone summed = Backbone.Load(Registry.DefaultName, 32);
        InputAdapters.Apply(summed, AdapterKind.WeightSum, 6);
        var (_, weight) = summed.Network.FirstConvolution()!.Value;
        Assert.Equal(new long[] { 64, 6, 7, 7 }, weight.shape);
        // Six bands each equal to the same image: the same response as that image in three channels (3/C rescaling).
        Tensor image = randn(1, 3, 32, 32) * 50;
        Assert.True(
            summed.Features(image.repeat(1, 2, 1, 1)).allclose(original.Features(image), rtol: 1e-4, atol: 1e-4)
        );
    }

    [Theory]
    [InlineData(4, true)] // every band all zero: refused before training
    [InlineData(1, false)] // one band all zero: a warning in the record
    public void ConstantBandsAreRefusedOrWarnedAbout(int constantBands, bool refused)
    {
        string root = TestPaths.NewTempDir("npy-constant");
        for (int k = 0; k < 2; k++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"c{k}"));
            for (int i = 0; i < 4; i++)
            {
                ChannelImage image = Random(4, 16, 10 * k + i);
                Array.Clear(image.Data, 0, constantBands * 16 * 16);
                Npy.Write(Path.Combine(root, $"c{k}", $"{i}.npy"), image, "<u2");
            }
        }
        var options = new LearnerOptions
        {
            Data = new DataOptions
            {
                Train = root,
                ValidationFraction = 0.25,
                UseCache = false,
            },
            Model = new TransferSharp.Training.ModelOptions { Size = 32, Adapter = AdapterKind.WeightSum },
            Analyses = new AnalysisOptions { DomainDistance = false, Filters = false },
        };
        if (refused)
        {
            var e = Assert.Throws<DataException>(() => new TransferLearner(options).Fit());
            Assert.Contains(root, e.Message);
            Assert.Contains("nothing to learn", e.Message);
            return;
        }
        using FitResult result = new TransferLearner(options).Fit();
        Assert.Contains("channel(s) 0 of 4 hold one value", result.Report.AdapterWarning);
    }

    // Two classes of six 4-band 16x16 arrays; the class lives in band 4 only.
    private static string BandFourFolder(string prefix, int seedStride)
    {
        string root = TestPaths.NewTempDir(prefix);
        for (int k = 0; k < 2; k++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"c{k}"));
            for (int i = 0; i < 6; i++)
            {
                ChannelImage image = Random(4, 16, seedStride * k + i);
                for (int p = 0; p < 16 * 16; p++)
                    image.Data[3 * 256 + p] += k * 800;
                Npy.Write(Path.Combine(root, $"c{k}", $"{i}.npy"), image, "<u2");
            }
        }
        return root;
    }

    [Fact]
    public void Conv1x1AdapterTrainsInFrontOfAFrozenBackboneAndPredictChecksChannels()
    {
        string root = BandFourFolder("npy-fit", 10);
        string run = TestPaths.NewTempDir("npy-run");
        LearnerOptions Options(AdapterKind adapter) =>
            new()
            {
                Data = new DataOptions { Train = root, ValidationFraction = 0.34 },
                Model = new TransferSharp.Training.ModelOptions { Size = 32, Adapter = adapter },
                Training = new TransferSharp.Training.TrainingOptions { Epochs = 2, BatchSize = 4 },
            };
        using (var fitted = new TransferLearner(Options(AdapterKind.Conv1x1)).Fit())
            fitted.Save(run);
        string metrics = File.ReadAllText(Path.Combine(run, "metrics.json"));
        Assert.Contains("\"kind\": \"conv1x1\"", metrics);
        Assert.Contains("no feature caching", metrics);
        using var saved = TransferSharp.Runs.SavedModel.Load(run);
        using Backbone pretrained = Backbone.Load(Registry.DefaultName, 32);
        // The backbone stayed byte-identical; the adapter moved away from its replicate start.
        var before = pretrained.Network.state_dict();
        foreach (
            var (name, value) in saved
                .Backbone.Network.state_dict()
                .Where(p => !p.Key.StartsWith("input_adapter", StringComparison.Ordinal))
        )
            Assert.True(value.bytes.SequenceEqual(before[name].bytes), $"{name} changed");
        Tensor adapter = saved.Backbone.Network.state_dict()["input_adapter.weight"].flatten();
        Assert.True(
            adapter[3].abs().item<float>() + adapter[7].abs().item<float>() + adapter[11].abs().item<float>() > 0,
            "the adapter did not learn"
        );

        // With an adapter that does not learn, feature extraction fits the logistic-regression head on frozen features.
        string runWs = TestPaths.NewTempDir("npy-run-ws");
        using (var fitted = new TransferLearner(Options(AdapterKind.WeightSum)).Fit())
            fitted.Save(runWs);
        string wsMetrics = File.ReadAllText(Path.Combine(runWs, "metrics.json"));
        Assert.Contains("logistic regression on the frozen features", wsMetrics);
        Assert.Contains("\"network_input_channels\": 4", wsMetrics);
        using (var ws = TransferSharp.Runs.SavedModel.Load(runWs))
            Assert.Equal(
                4,
                TransferSharp
                    .Runs.Predictor.Predict(
                        ws,
                        DatasetLoader.Load(root).Items.Take(4).Select(i => i.Source).ToList(),
                        null
                    )
                    .predictions.Count
            );

        string three = Path.Combine(TestPaths.NewTempDir("npy-3"), "x.npy");
        Npy.Write(three, Random(3, 16, 99));
        var error = Assert.Throws<DataException>(() =>
            TransferSharp.Runs.Predictor.Predict(saved, new IImageSource[] { new NpyImageSource(three) }, null)
        );
        Assert.Contains("3 channel(s)", error.Message);
        Assert.Contains("trained on 4", error.Message);
    }

    [Fact]
    public void LpFtFitsTheConv1x1AdapterWithItsProbeHeadFirst()
    {
        string root = BandFourFolder("npy-staged", 20);
        FitReport Fit(string strategy, int? adapterEpochs)
        {
            var options = new LearnerOptions
            {
                Data = new DataOptions
                {
                    Train = root,
                    ValidationFraction = 0.34,
                    UseCache = false,
                },
                Model = new TransferSharp.Training.ModelOptions { Size = 32, Adapter = AdapterKind.Conv1x1 },
                Strategy = TransferSharp.Strategies.StrategyRegistry.Parse(strategy),
                Training = new TransferSharp.Training.TrainingOptions
                {
                    Epochs = 2,
                    BatchSize = 4,
                    AdapterEpochs = adapterEpochs,
                },
                Analyses = new AnalysisOptions { DomainDistance = false, Filters = false },
            };
            using FitResult result = new TransferLearner(options).Fit();
            return result.Report;
        }
        var stage = Fit("lp-ft", 2).AdapterStage;
        Assert.NotNull(stage);
        Assert.Equal(2, stage.Epochs.Count);
        Assert.Equal(30, stage.AdapterRateMultiplier);
        Assert.InRange(stage.ValAccuracy, 0, 1);
        // By default half the epochs, at least one; none when asked for none.
        Assert.Single(Fit("lp-ft", null).AdapterStage!.Epochs);
        Assert.Null(Fit("lp-ft", 0).AdapterStage);
    }
}
