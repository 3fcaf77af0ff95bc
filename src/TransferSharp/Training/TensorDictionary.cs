using TorchSharp;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>Named tensors (a model snapshot) in a checkpoint: a count, then each name and tensor.</summary>
internal static class TensorDictionary
{
    public static void Write(BinaryWriter writer, IReadOnlyDictionary<string, Tensor>? tensors)
    {
        writer.Write(tensors is not null);
        if (tensors is null)
            return;
        writer.Write(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            writer.Write(name);
            t.Save(writer);
        }
    }

    public static Dictionary<string, Tensor>? Read(BinaryReader reader)
    {
        if (!reader.ReadBoolean())
            return null;
        int count = reader.ReadInt32();
        var tensors = new Dictionary<string, Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            tensors[name] = TensorExtensionMethods.Load(reader);
        }
        return tensors;
    }
}
