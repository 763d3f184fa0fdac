using E3Sharp.Jit.Ir;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// Rewrites a traced body so that its activations differentiate with LibTorch's own backward kernels.
/// </summary>
/// <remarks>
/// Under autograd, LibTorch's graph executor groups neighbouring differentiable ops into differentiable subgraphs whose
/// backward comes from TorchScript's symbolic gradient formulas. Those spell out the backward of <c>silu</c> as seven
/// pointwise kernels, of <c>sigmoid</c> as four, of <c>tanh</c> and <c>relu</c> as three, where eager autograd runs
/// one; on a potential's per-edge radial network that made the compiled forces slower than eager. The executor never
/// puts view ops (<c>view_as</c>, <c>reshape</c>, ...) in those subgraphs and dissolves a subgraph of one op, so
/// <c>y = silu(x)</c> is recorded as <c>y = silu(x.view_as(x)).view_as(x)</c>: the activation has no differentiable
/// neighbour, runs with eager autograd and its single backward kernel, and the two views cost no copy. The values are
/// the same. (Aliases such as <c>special_expit</c> do not help: TorchScript normalises them back to <c>sigmoid</c>.)
/// </remarks>
internal static class NativeBackward
{
    /// <summary>Activations whose symbolic gradient is several kernels where LibTorch's own backward is one.</summary>
    private static readonly HashSet<string> Activations = ["silu", "sigmoid", "tanh", "relu"];

    /// <summary>The body with each activation of a local or input between two views.</summary>
    /// <param name="body">A traced method body.</param>
    public static List<Stmt> Rewrite(List<Stmt> body)
    {
        var result = new List<Stmt>(body.Count);
        foreach (var s in body)
        {
            result.Add(s is AssignStmt { Value: var value } assign && Isolate(value) is { } isolated
                ? assign with { Value = isolated }
                : s);
        }

        return result;
    }

    private static Expr? Isolate(Expr e)
    {
        var (op, x) = e switch
        {
            TorchCallExpr { Args: [VarExpr a], Keywords: [] } t when Activations.Contains(t.Op) => (t.Op, a),
            MethodCallExpr { Receiver: VarExpr a, Args: [], Keywords: [] } m when Activations.Contains(m.Method) => (m.Method, a),
            _ => (null, null),
        };
        return op is null || x is null ? null : Isolated(op, x);
    }

    /// <summary><c>torch.op(x.view_as(x)).view_as(x)</c>: the activation <paramref name="op"/> of <paramref name="x"/>
    /// as traces record it, and compiled built-in activation modules too.</summary>
    /// <param name="op">silu, sigmoid, tanh or relu.</param>
    /// <param name="x">The input.</param>
    public static Expr Isolated(string op, VarExpr x)
    {
        var input = new MethodCallExpr(x, "view_as", [x], []);
        return new MethodCallExpr(new TorchCallExpr(op, [input], []), "view_as", [x], []);
    }
}
