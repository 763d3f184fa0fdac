using System.ComponentModel;

namespace E3Sharp.Jit.Ir;

/// <summary>A method parameter (other than <c>self</c>).</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Type">Its TorchScript type.</param>
/// <param name="Default">An optional default value: a literal (int, float, bool, str, None).</param>
internal sealed record Param(string Name, TsType Type, Expr? Default = null);

/// <summary>A method of a module class: <c>def name(self, params...) -&gt; returnType: body</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class MethodDef
{
    /// <summary>Creates a method.</summary>
    /// <param name="name">The method name.</param>
    /// <param name="parameters">The parameters (without <c>self</c>).</param>
    /// <param name="returnType">The return type (<see cref="TsType.None"/> for a method returning nothing).</param>
    /// <param name="body">The statements.</param>
    internal MethodDef(string name, IEnumerable<Param> parameters, TsType returnType, IEnumerable<Stmt> body)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(returnType);
        ArgumentNullException.ThrowIfNull(body);
        Name = name;
        Parameters = parameters.ToArray();
        ReturnType = returnType;
        Body = body.ToArray();
    }

    /// <summary>The method name.</summary>
    public string Name { get; }

    /// <summary>The parameters, without <c>self</c>.</summary>
    internal IReadOnlyList<Param> Parameters { get; }

    /// <summary>The return type.</summary>
    public TsType ReturnType { get; }

    /// <summary>The body.</summary>
    internal IReadOnlyList<Stmt> Body { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"def {Name}(self{string.Concat(Parameters.Select(p => $", {p.Name}: {p.Type.Name}"))}) -> {ReturnType.Name}";
}
