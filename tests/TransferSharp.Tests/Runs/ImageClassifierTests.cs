using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Training;

namespace TransferSharp.Tests.Runs;

public class ImageClassifierTests
{
    [Fact]
    public void ARunFolderOrItsExportClassifiesAsPredictAlsoUnderConcurrentCallers()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("serve-train"), 3, 8, 32);
        string test = TestImages.WriteFolder(TestPaths.NewTempDir("serve-test"), 3, 4, 32);
        var options = TestRuns.Options(train, new FineTuneOptions()) with
        {
            Training = new TrainingOptions { Epochs = 1 },
        };
        string folder;
        using (FitResult fitted = new TransferLearner(options).Fit())
            folder = fitted.Save(TestPaths.NewTempDir("serve-run"));
        var sources = DatasetLoader.Load(test).Items.Select(i => i.Source).ToList();
        List<Prediction> expected;
        using (SavedModel model = SavedModel.Load(folder))
        {
            expected = Predictor.Predict(model, sources, null).predictions;
            ModelExport.Write(model, Path.Combine(folder, "model.onnx"));
        }
        foreach (string path in new[] { folder, Path.Combine(folder, "model.onnx") })
        {
            using ImageClassifier classifier = ImageClassifier.Load(path);
            Assert.Equal((32, 3), (classifier.InputSize, classifier.Channels));
            // 24 callers at once, each image several times: every answer is the image's own.
            var answers = new ClassPrediction[sources.Count * 3];
            Parallel.For(
                0,
                answers.Length,
                new ParallelOptions { MaxDegreeOfParallelism = 24 },
                i => answers[i] = classifier.Predict(sources[i % sources.Count])
            );
            for (int i = 0; i < answers.Length; i++)
            {
                Prediction want = expected[i % sources.Count];
                Assert.Equal(want.Label, answers[i].Label);
                Assert.Equal(want.Probability, answers[i].Probability, 4);
                Assert.Equal(want.Probabilities[1], answers[i].Probabilities[classifier.Labels[1]], 4);
            }
            byte[] encoded = File.ReadAllBytes(sources[0].Id);
            Assert.Equal(expected[0].Label, classifier.Predict(encoded).Label);
        }
    }

    [Fact]
    public void AnImageThatCannotBeReadIsNamed()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("serve-bad"), 2, 6, 32);
        var options = new LearnerOptions
        {
            Data = new DataOptions
            {
                Train = train,
                ValidationFraction = 0.34,
                UseCache = false,
            },
            Model = new ModelOptions { Size = 32 },
            Strategy = new TransferSharp.Strategies.FeatureExtraction.FeatureExtractionOptions { HeadSteps = 20 },
        };
        using FitResult fitted = new TransferLearner(options).Fit();
        using ImageClassifier classifier = ImageClassifier.Load(fitted.Save(TestPaths.NewTempDir("serve-bad-run")));
        string broken = Path.Combine(TestPaths.NewTempDir("serve-broken"), "broken.png");
        File.WriteAllText(broken, "not an image");
        Assert.Contains("broken.png", Assert.Throws<DataException>(() => classifier.Predict(broken)).Message);
        // The classifier still answers after a bad request.
        Assert.Contains(
            classifier.Predict(Directory.GetFiles(train, "*.png", SearchOption.AllDirectories)[0]).Label,
            classifier.Labels
        );
    }
}
