using System.Text;

namespace E3Sharp.Generators.Scripting;

/// <summary>Indented text output for generated C#.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();

    public int Indent { get; set; }

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            _sb.Append(' ', Indent * 4).Append(text);
        }

        _sb.Append('\n');
    }

    public void Open(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        Indent++;
    }

    public void Close(string suffix = "")
    {
        Indent--;
        Line("}" + suffix);
    }

    public override string ToString() => _sb.ToString();
}
