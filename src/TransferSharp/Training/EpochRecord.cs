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
        WriteRates(writer, e.LearningRates);
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
        var rates = ReadRates(reader);
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

    /// <summary>Learning rates by group: a count, then each name and rate.</summary>
    public static void WriteRates(BinaryWriter writer, IReadOnlyDictionary<string, double> rates)
    {
        writer.Write(rates.Count);
        foreach (var (name, rate) in rates)
        {
            writer.Write(name);
            writer.Write(rate);
        }
    }

    /// <summary>Rates <see cref="WriteRates"/> wrote.</summary>
    public static Dictionary<string, double> ReadRates(BinaryReader reader)
    {
        var rates = new Dictionary<string, double>();
        for (int i = reader.ReadInt32(); i > 0; i--)
            rates[reader.ReadString()] = reader.ReadDouble();
        return rates;
    }
}
