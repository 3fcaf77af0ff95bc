using System.Security.Cryptography;
using TransferSharp.IO;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// The training state after an epoch, in one file: model, optimizer moments, schedule step, history, stop request, both
/// random generators, best checkpoint and weight average. Written to a temporary file, flushed and renamed; its last 32
/// bytes are the SHA-256 of the rest, checked before anything is read.
/// </summary>
internal static class TrainingCheckpoint
{
    private const string Magic = "transfersharp-checkpoint";
    private const int Version = 1;
    private const int HashBytes = 32;

    /// <summary>Writes the state after <paramref name="epochsDone"/> epochs of fit number <paramref
    /// name="fit"/>.</summary>
    public static void Write(string path, int fit, int epochsDone, CheckpointParts parts)
    {
        try
        {
            WriteFile(path, fit, epochsDone, parts);
        }
        catch (IOException e)
        {
            throw new CheckpointException(
                $"{path}: the checkpoint after epoch {epochsDone} could not be written ({e.Message}); the previous "
                    + "one is intact: free space, then resume."
            );
        }
    }

    private static void WriteFile(string path, int fit, int epochsDone, CheckpointParts parts)
    {
        AtomicFile.Write(
            path,
            temp =>
            {
                using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
                using (var sha = SHA256.Create())
                {
                    using (var hashed = new CryptoStream(file, sha, CryptoStreamMode.Write, leaveOpen: true))
                    using (var writer = new BinaryWriter(hashed))
                    {
                        writer.Write(Magic);
                        writer.Write(Version);
                        writer.Write(fit);
                        writer.Write(epochsDone);
                        WriteState(writer, parts);
                    }
                    file.Write(sha.Hash!);
                }
                file.Flush(flushToDisk: true);
            }
        );
    }

    /// <summary>The fit number and epochs done of a verified checkpoint file.</summary>
    public static (int fit, int epochsDone) Header(string path)
    {
        Verify(path);
        using var reader = new BinaryReader(File.OpenRead(path));
        ReadMagic(reader, path);
        return (reader.ReadInt32(), reader.ReadInt32());
    }

    /// <summary>Restores the state a checkpoint holds; returns the number of epochs done.</summary>
    public static int Read(string path, CheckpointParts parts)
    {
        Verify(path);
        using var reader = new BinaryReader(File.OpenRead(path));
        ReadMagic(reader, path);
        reader.ReadInt32();
        int epochsDone = reader.ReadInt32();
        ReadState(reader, parts);
        return epochsDone;
    }

    /// <summary>The state in memory (the start of an epoch that may be retried).</summary>
    public static byte[] Capture(CheckpointParts parts)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
            WriteState(writer, parts);
        return memory.ToArray();
    }

    /// <summary>Restores a state <see cref="Capture"/> took.</summary>
    public static void Restore(byte[] state, CheckpointParts parts)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        ReadState(reader, parts);
    }

    private static void WriteState(BinaryWriter writer, CheckpointParts parts)
    {
        TrainingContext context = parts.Context;
        writer.Write(context.Step);
        writer.Write(context.RateScale);
        writer.Write(context.StopRequest ?? "");
        writer.Write(context.RestoreBest);
        EpochRecord.Write(writer, context.History.Start);
        writer.Write(context.History.Epochs.Count);
        foreach (EpochResult e in context.History.Epochs)
            EpochRecord.Write(writer, e);
        RandomState.Write(writer, context.Random);
        using (Tensor rng = get_rng_state())
            TorchSharp.TensorExtensionMethods.Save(rng, writer);
        Dictionary<string, Tensor>? snapshot = context.Model.Snapshot();
        TensorDictionary.Write(writer, snapshot);
        TransferModel.Release(ref snapshot);
        parts.Optimizer.WriteState(writer);
        parts.Best.WriteState(writer);
        writer.Write(parts.Averaging is not null);
        parts.Averaging?.WriteState(writer);
        WritePartial(writer, context.Partial);
    }

    private static void WritePartial(BinaryWriter writer, EpochProgress? partial)
    {
        writer.Write(partial is not null);
        if (partial is null)
            return;
        writer.Write(partial.Batches);
        writer.Write(partial.Step);
        writer.Write(partial.LossSum);
        writer.Write(partial.Correct);
        EpochRecord.WriteRates(writer, partial.RateLog);
    }

    private static EpochProgress? ReadPartial(BinaryReader reader)
    {
        if (!reader.ReadBoolean())
            return null;
        int batches = reader.ReadInt32();
        long step = reader.ReadInt64();
        double lossSum = reader.ReadDouble(),
            correct = reader.ReadDouble();
        return new EpochProgress(batches, step, lossSum, correct, EpochRecord.ReadRates(reader));
    }

    private static void ReadState(BinaryReader reader, CheckpointParts parts)
    {
        TrainingContext context = parts.Context;
        context.Step = reader.ReadInt64();
        context.RateScale = reader.ReadDouble();
        string stop = reader.ReadString();
        context.RestoreStop(stop.Length == 0 ? null : stop, reader.ReadBoolean());
        EpochResult? start = EpochRecord.Read(reader);
        var epochs = new EpochResult[reader.ReadInt32()];
        for (int i = 0; i < epochs.Length; i++)
            epochs[i] = EpochRecord.Read(reader)!;
        context.History.Restore(start, epochs);
        RandomState.Read(reader, context.Random);
        using (Tensor rng = TorchSharp.TensorExtensionMethods.Load(reader))
            set_rng_state(rng);
        Dictionary<string, Tensor>? snapshot = TensorDictionary.Read(reader);
        context.Model.Restore(snapshot ?? throw new InvalidDataException("the checkpoint holds no model weights."));
        TransferModel.Release(ref snapshot);
        parts.Optimizer.ReadState(reader);
        parts.Best.ReadState(reader);
        if (reader.ReadBoolean() != parts.Averaging is not null)
            throw new InvalidDataException("the checkpoint's weight averaging does not match this fit's options.");
        parts.Averaging?.ReadState(reader);
        context.Partial = ReadPartial(reader);
        if (context.Partial is { } partial)
            context.Step = partial.Step;
    }

    private static void ReadMagic(BinaryReader reader, string path)
    {
        if (reader.ReadString() != Magic || reader.ReadInt32() != Version)
            throw new InvalidDataException($"{path}: not a TransferSharp training checkpoint of this version.");
    }

    /// <summary>Checks the trailing SHA-256: a truncated, damaged or half-written file is refused, never
    /// read.</summary>
    public static void Verify(string path)
    {
        using var stream = File.OpenRead(path);
        long length = stream.Length - HashBytes;
        if (length <= 0)
            throw new InvalidDataException($"{path}: the checkpoint is truncated ({stream.Length} bytes).");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        for (long left = length; left > 0; )
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
                break;
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        byte[] stored = new byte[HashBytes];
        stream.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
            throw new InvalidDataException(
                $"{path}: the checkpoint's SHA-256 does not match its contents (damaged or edited); it cannot be "
                    + "resumed from."
            );
    }
}
