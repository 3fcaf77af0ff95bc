namespace TransferSharp.Training;

/// <summary>An <see cref="EpochResult"/> in a checkpoint, every double bit-exact.</summary>
internal static class EpochRecord
{
    public static void Write(BinaryWriter writer, EpochResult? e)
    {
        writer.Write(e is not null);
        if (e is null)
            return;
        writer.Write(e.Epoch);
        writer.Write(e.Stage);
        writer.Write(e.TrainLoss);
        writer.Write(e.TrainAccuracy);
        writer.Write(e.ValLoss);
        writer.Write(e.ValAccuracy);
        writer.Write(e.LearningRates.Count);
        foreach (var (name, rate) in e.LearningRates)
        {
            writer.Write(name);
            writer.Write(rate);
        }
        writer.Write(e.TrainableParameters);
        writer.Write(e.FrozenPrefixGroups);
        writer.Write(e.PrefixCached);
        writer.Write(e.Seconds);
    }

    public static EpochResult? Read(BinaryReader reader)
    {
        if (!reader.ReadBoolean())
            return null;
        int epoch = reader.ReadInt32();
        string stage = reader.ReadString();
        double trainLoss = reader.ReadDouble(),
            trainAccuracy = reader.ReadDouble(),
            valLoss = reader.ReadDouble(),
            valAccuracy = reader.ReadDouble();
        var rates = new Dictionary<string, double>();
        for (int i = reader.ReadInt32(); i > 0; i--)
            rates[reader.ReadString()] = reader.ReadDouble();
        return new EpochResult(
            epoch,
            stage,
            trainLoss,
            trainAccuracy,
            valLoss,
            valAccuracy,
            rates,
            reader.ReadInt64(),
            reader.ReadInt32(),
            reader.ReadBoolean(),
            reader.ReadDouble()
        );
    }
}
