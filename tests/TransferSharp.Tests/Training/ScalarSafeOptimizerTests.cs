using TorchSharp.Modules;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Training;

// The scalar-safe optimizers must move parameters exactly as TorchSharp's own do: checkpoints, golden runs and every
// measured figure were made with those.
public class ScalarSafeOptimizerTests
{
    private static Parameter[] Parameters(int seed)
    {
        manual_seed(seed);
        return [new Parameter(randn(4, 3)), new Parameter(randn(3)), new Parameter(randn(2, 2))];
    }

    // Runs both optimizers over the same gradients; the third parameter has no gradient (frozen) and must not move.
    private static void AssertSameSteps(
        Func<Parameter[], optim.Optimizer> theirs,
        Func<Parameter[], optim.Optimizer> ours
    )
    {
        using var scope = NewDisposeScope();
        Parameter[] a = Parameters(3),
            b = Parameters(3);
        using var reference = theirs(a);
        using var safe = ours(b);
        Tensor frozen = b[2].detach().clone();
        for (int step = 0; step < 6; step++)
        {
            manual_seed(100 + step);
            Tensor target = randn(4, 3);
            foreach (var (parameters, optimizer) in new[] { (a, reference), (b, safe) })
            {
                optimizer.zero_grad();
                ((parameters[0] - target).pow(2).sum() + parameters[1].pow(3).sum()).backward();
                optimizer.step();
            }
        }
        for (int i = 0; i < 2; i++)
            Assert.True(
                a[i].equal(b[i]).all().item<bool>(),
                $"parameter {i} differs: {(a[i] - b[i]).abs().max().item<float>()}"
            );
        Assert.True(b[2].equal(frozen).all().item<bool>(), "a parameter without a gradient moved");
        Assert.False(b[0].equal(Parameters(3)[0]).all().item<bool>(), "the optimizer did not move the parameters");
    }

    [Fact]
    public void AdamWMatchesTorchSharpBitForBit() =>
        AssertSameSteps(
            p =>
                optim.AdamW([
                    new AdamW.ParamGroup(p[..1], 0.05, weight_decay: 0.1),
                    new AdamW.ParamGroup(p[1..], 0.02),
                ]),
            p => new TransferSharp.Training.Optimizers.AdamW(
                [new AdamW.ParamGroup(p[..1], 0.05, weight_decay: 0.1), new AdamW.ParamGroup(p[1..], 0.02)],
                0.05
            )
        );

    [Fact]
    public void AdamMatchesTorchSharpBitForBit() =>
        AssertSameSteps(
            p => optim.Adam(p, 0.03, weight_decay: 0.01),
            p => new TransferSharp.Training.Optimizers.Adam(p, 0.03, 0.01)
        );

    [Fact]
    public void NesterovSgdWithDecayMatchesTorchSharpBitForBit() =>
        AssertSameSteps(
            p => optim.SGD([new SGD.ParamGroup(p, 0.01, 0.9, 0, 0.05, true)], 0.01),
            p => new TransferSharp.Training.Optimizers.SGD([new SGD.ParamGroup(p, 0.01, 0.9, 0, 0.05, true)], 0.01)
        );

    [Fact]
    public void CheckpointsOfTorchSharpsOptimizersLoadIntoOursAndBack()
    {
        using var scope = NewDisposeScope();
        Parameter[] a = Parameters(5),
            b = Parameters(5);
        using var theirs = optim.AdamW([new AdamW.ParamGroup(a, 0.05, weight_decay: 0.1)]);
        using var ours = new TransferSharp.Training.Optimizers.AdamW(
            [new AdamW.ParamGroup(b, 0.05, weight_decay: 0.1)],
            0.05
        );
        theirs.zero_grad();
        a[0].pow(2).sum().backward();
        theirs.step();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            theirs.save_state_dict(writer);
        stream.Position = 0;
        using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            ours.load_state_dict(reader); // a checkpoint written before these optimizers existed
        stream.SetLength(0);
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            ours.save_state_dict(writer);
        stream.Position = 0;
        using (var reader = new BinaryReader(stream))
            theirs.load_state_dict(reader);
    }
}
