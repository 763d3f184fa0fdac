using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

/// <summary>A translated expression: C# code that builds the IR <c>Expr</c>, and its TorchScript type.</summary>
internal sealed class Ex
{
    public Ex(string code, TsType type)
    {
        Code = code;
        Type = type;
    }

    public string Code { get; }

    public TsType Type { get; }
}
