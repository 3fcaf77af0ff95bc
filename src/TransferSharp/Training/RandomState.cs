using System.Reflection;

namespace TransferSharp.Training;

/// <summary>
/// The state of a seeded <see cref="Random"/> (the subtractive generator .NET keeps for seeded instances), so that a
/// resumed fit draws the augmentations and mixup weights the uninterrupted one would. System.Random exposes no state;
/// its fields are read by reflection, and a runtime whose layout differs is refused with a clear error.
/// </summary>
internal static class RandomState
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    /// <summary>Writes <paramref name="random"/>'s state.</summary>
    public static void Write(BinaryWriter writer, Random random)
    {
        var (prng, type) = Prng(random);
        int[] seeds = (int[])Field(type, "_seedArray").GetValue(prng)!;
        writer.Write(seeds.Length);
        foreach (int s in seeds)
            writer.Write(s);
        writer.Write((int)Field(type, "_inext").GetValue(prng)!);
        writer.Write((int)Field(type, "_inextp").GetValue(prng)!);
    }

    /// <summary>Sets <paramref name="random"/> to a state <see cref="Write"/> wrote.</summary>
    public static void Read(BinaryReader reader, Random random)
    {
        object impl = Impl(random);
        FieldInfo prngField = Field(impl.GetType(), "_prng");
        object prng = prngField.GetValue(impl)!; // a boxed copy of the struct: set its fields, then store it back
        Type type = prng.GetType();
        int[] seeds = new int[reader.ReadInt32()];
        for (int i = 0; i < seeds.Length; i++)
            seeds[i] = reader.ReadInt32();
        Field(type, "_seedArray").SetValue(prng, seeds);
        Field(type, "_inext").SetValue(prng, reader.ReadInt32());
        Field(type, "_inextp").SetValue(prng, reader.ReadInt32());
        prngField.SetValue(impl, prng);
    }

    private static (object prng, Type type) Prng(Random random)
    {
        object impl = Impl(random);
        object prng = Field(impl.GetType(), "_prng").GetValue(impl)!;
        return (prng, prng.GetType());
    }

    private static object Impl(Random random) => Field(typeof(Random), "_impl").GetValue(random)!;

    private static FieldInfo Field(Type type, string name) =>
        type.GetField(name, Private)
        ?? throw new NotSupportedException(
            $"this .NET runtime's System.Random has no {type.Name}.{name}: checkpoints cannot save the random state "
                + "of a seeded generator (run without checkpoints, or on .NET 10)."
        );
}
