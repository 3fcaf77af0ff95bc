namespace TransferSharp.Training;

/// <summary>The crop augmentation.</summary>
public enum CropKind
{
    /// <summary>No crop.</summary>
    None,

    /// <summary>Pad by a fraction of the size, then crop back at a random offset.</summary>
    PadCrop,

    /// <summary>Random-resized crop: a random area (scale) and aspect ratio, resized back to the input size.</summary>
    RandomResized,
}
