namespace TransferSharp.Tests;

/// <summary>A one-node ONNX model (x -> OP -> y), serialized: small valid protobuf to damage or import.</summary>
public static class TinyOnnx
{
    public static byte[] Bytes(string opType)
    {
        var model = new Onnx.ModelProto
        {
            IrVersion = 8,
            Graph = new Onnx.GraphProto { Name = "g" },
        };
        model.Graph.Node.Add(
            new Onnx.NodeProto
            {
                OpType = opType,
                Input = { "x" },
                Output = { "y" },
            }
        );
        model.Graph.Input.Add(new Onnx.ValueInfoProto { Name = "x" });
        model.Graph.Output.Add(new Onnx.ValueInfoProto { Name = "y" });
        return Google.Protobuf.MessageExtensions.ToByteArray(model);
    }
}
