using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// The optimizer over a model's layer groups, built once: per group, decayed weights and undecayed biases/BatchNorm,
/// each at the group's base rate times the schedule's multiplier. Freezing never changes which parameters it holds.
/// </summary>
internal sealed class GroupOptimizer : IDisposable
{
    private readonly optim.Optimizer optimizer;
    private readonly List<int> owner;
    private readonly double[] rates;

    public GroupOptimizer(TransferModel model, TrainingSettings settings, double[] rates, IRegularizer? regularizer)
    {
        this.rates = rates;
        owner = new List<int>();
        double Decay(ModelGroup g) => regularizer?.ReplacesWeightDecay(g.Index) == true ? 0 : settings.WeightDecay;
        optimizer =
            settings.Optimizer == OptimizerKind.Sgd ? Sgd(model, settings, Decay) : AdamW(model, settings, Decay);
    }

    /// <summary>Sets every parameter group's rate to its group's base rate times <paramref
    /// name="multiplier"/>.</summary>
    public void SetRates(double multiplier)
    {
        int p = 0;
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = rates[owner[p++]] * multiplier;
    }

    public void ZeroGrad() => optimizer.zero_grad();

    public void Step() => optimizer.step();

    public void Dispose() => optimizer.Dispose();

    /// <summary>Writes the optimizer's state (moments, step counts) into a checkpoint.</summary>
    public void WriteState(BinaryWriter writer) => ((OptimizerHelper)optimizer).save_state_dict(writer);

    /// <summary>Takes the optimizer's state from a checkpoint written by the same model and settings.</summary>
    public void ReadState(BinaryReader reader) => ((OptimizerHelper)optimizer).load_state_dict(reader);

    private optim.Optimizer Sgd(TransferModel model, TrainingSettings settings, Func<ModelGroup, double> decay)
    {
        var groups = new List<SGD.ParamGroup>();
        foreach (ModelGroup g in model.Groups)
        {
            double rate = rates[g.Index];
            if (g.Decay.Count > 0)
                Add(groups, new SGD.ParamGroup(g.Decay, rate, settings.Momentum, 0, decay(g), true), g);
            if (g.NoDecay.Count > 0)
                Add(groups, new SGD.ParamGroup(g.NoDecay, rate, settings.Momentum, 0, 0, true), g);
        }
        return new Optimizers.SGD(groups, settings.LearningRate);
    }

    private optim.Optimizer AdamW(TransferModel model, TrainingSettings settings, Func<ModelGroup, double> decay)
    {
        var groups = new List<AdamW.ParamGroup>();
        foreach (ModelGroup g in model.Groups)
        {
            double rate = rates[g.Index];
            if (g.Decay.Count > 0)
                Add(groups, new AdamW.ParamGroup(g.Decay, rate, weight_decay: decay(g)), g);
            if (g.NoDecay.Count > 0)
                Add(groups, new AdamW.ParamGroup(g.NoDecay, rate, weight_decay: 0), g);
        }
        return new Optimizers.AdamW(groups, settings.LearningRate);
    }

    private void Add<T>(List<T> groups, T group, ModelGroup owner)
    {
        groups.Add(group);
        this.owner.Add(owner.Index);
    }
}
