namespace TransferSharp.Training;

/// <summary>The engine of a frozen backbone pass.</summary>
public enum ExtractionEngine
{
    /// <summary>ONNX Runtime on the CPU when the backbone is pristine (still the file's weights), TorchSharp
    /// otherwise.</summary>
    Auto,

    /// <summary>Always the imported TorchSharp module.</summary>
    Torch,

    /// <summary>Always ONNX Runtime (an error when the backbone was modified or the device is not the CPU).</summary>
    OnnxRuntime,
}
