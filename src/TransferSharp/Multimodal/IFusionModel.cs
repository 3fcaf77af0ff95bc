namespace TransferSharp.Multimodal;

/// <summary>A trained candidate: class probabilities of packed rows.</summary>
public interface IFusionModel : IDisposable
{
    /// <summary>The kind.</summary>
    FusionKind Kind { get; }

    /// <summary>Probabilities [rows][classes].</summary>
    float[][] Probabilities(FusionRows rows);

    /// <summary>Writes the model's weights into <paramref name="folder"/>; returns the file name.</summary>
    string Save(string folder);
}
