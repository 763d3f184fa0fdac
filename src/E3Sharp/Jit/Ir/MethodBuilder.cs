using System.ComponentModel;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// Builds a <see cref="MethodDef"/>: parameters, return type, then the body through the inherited
/// <see cref="BlockBuilder"/> members.
/// <code>
/// var forward = new MethodBuilder("forward", TsType.Tensor)
///     .Param("x", TsType.Tensor);
/// forward.Assign("y", IrBuilder.Torch("matmul", IrBuilder.Var("x"), IrBuilder.Self("weight")));
/// forward.Return(IrBuilder.Var("y"));
/// MethodDef def = forward.Build();
/// </code>
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class MethodBuilder : BlockBuilder
{
    private readonly List<Param> _parameters = [];

    /// <summary>Starts a method.</summary>
    /// <param name="name">The method name.</param>
    /// <param name="returnType">The return type (<see cref="TsType.None"/> for none).</param>
    public MethodBuilder(string name, TsType returnType)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(returnType);
        Name = name;
        ReturnType = returnType;
    }

    /// <summary>The method name.</summary>
    public string Name { get; }

    /// <summary>The return type.</summary>
    public TsType ReturnType { get; }

    /// <summary>Adds a parameter.</summary>
    /// <param name="name">The name.</param>
    /// <param name="type">The type.</param>
    /// <param name="defaultValue">An optional literal default.</param>
    /// <returns>This builder.</returns>
    public MethodBuilder Param(string name, TsType type, Expr? defaultValue = null)
    {
        _parameters.Add(new Param(name, type, defaultValue));
        return this;
    }

    /// <summary>Adds parameters (another method's, for a method that takes the same arguments).</summary>
    /// <param name="parameters">The parameters, in order.</param>
    /// <returns>This builder.</returns>
    internal MethodBuilder Params(IEnumerable<Param> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var p in parameters)
        {
            Param(p.Name, p.Type, p.Default);
        }

        return this;
    }

    /// <summary>Creates the method.</summary>
    public MethodDef Build() => new(Name, _parameters, ReturnType, Statements);
}
