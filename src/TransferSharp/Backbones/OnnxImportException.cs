using Google.Protobuf;
using Onnx;
using TorchSharp;
using TransferSharp.Engine;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>An ONNX file that cannot be imported; the message names the file and, where it applies, the node.</summary>
public sealed class OnnxImportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxImportException(string message, Exception? inner = null)
        : base(message, inner) { }
}
