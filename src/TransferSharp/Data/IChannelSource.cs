namespace TransferSharp.Data;

/// <summary>A source that yields multichannel arrays (any channel count, any numeric range).</summary>
public interface IChannelSource
{
    /// <summary>The file, for errors.</summary>
    string Id { get; }

    /// <summary>Reads the array; throws <see cref="DataException"/> naming the file for bad input.</summary>
    ChannelImage DecodeChannels();
}
