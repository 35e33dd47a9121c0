namespace Toolkit.Ml.Onnx;

/// <summary>The model holds a feature step or predictor that the exporter cannot express in ONNX (yet); the message names it.</summary>
public sealed class OnnxExportException : Exception
{
    public OnnxExportException(string message)
        : base(message)
    {
    }

    public OnnxExportException()
    {
    }

    public OnnxExportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
