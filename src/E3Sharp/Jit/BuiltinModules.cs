using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Tracing;
using TorchSharp;
using TorchSharp.Modules;
using static E3Sharp.Jit.Ir.IrBuilder;

namespace E3Sharp.Jit;

/// <summary>
/// TorchScript IR for TorchSharp's common built-in modules, written directly (no example inputs needed): Linear
/// (<c>torch.linear</c> with its weight/bias parameters), SiLU, ReLU, Tanh, Sigmoid, GELU, Softplus, Identity, Dropout
/// (<c>torch.dropout(x, p, self.training)</c>, so it follows the loaded module's train/eval mode), LayerNorm,
/// Embedding and Sequential (its items, each converted here or taken from the compilation when already compiled).
/// Used by the tracing and scripting front ends when a built-in module is a child.
/// </summary>
internal static class BuiltinModules
{
    /// <summary>Whether <paramref name="moduleType"/> is a built-in module this class converts (Sequential only when
    /// its items are convertible or compiled).</summary>
    /// <param name="moduleType">The module type.</param>
    public static bool IsSupported(Type moduleType)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        return BuiltinTrace.IsSupported(moduleType);
    }

    /// <summary>
    /// Converts a TorchSharp built-in module to an IR module with a <c>forward(input)</c>, or returns null when
    /// <paramref name="module"/> is not a supported built-in (or is a Sequential with an item that is neither a
    /// supported built-in nor compiled in <paramref name="context"/>). Parameters are shared with the module, not
    /// copied.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="context">The compilation (class names; already compiled Sequential items).</param>
    public static ModuleInstance? TryConvert(torch.nn.Module module, CompileContext context)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(context);
        if (!BuiltinTrace.IsSupported(module.GetType()))
        {
            return null;
        }

        var instance = new ModuleInstance(context.NewClassName(module.GetType())) { Training = module.training };
        var parameters = module.named_parameters(recurse: false).ToDictionary(p => p.name, p => (torch.Tensor)p.parameter);
        var f = new MethodBuilder("forward", TsType.Tensor).Param("input", TsType.Tensor);
        var x = Var("input");
        Expr Param(string name)
        {
            if (!parameters.TryGetValue(name, out var p))
            {
                return None;
            }

            instance.AddParameter(name, p);
            return Self(name);
        }

        switch (module)
        {
            case TorchSharp.Modules.Linear:
                f.Return(Torch("linear", x, Param("weight"), Param("bias")));
                break;
            case ReLU:
                f.Return(NativeBackward.Isolated("relu", x));
                break;
            case SiLU:
                f.Return(NativeBackward.Isolated("silu", x));
                break;
            case Tanh:
                f.Return(NativeBackward.Isolated("tanh", x));
                break;
            case Sigmoid:
                f.Return(NativeBackward.Isolated("sigmoid", x));
                break;
            case GELU g:
                f.Return(Torch("gelu", [x], Kw("approximate", Str(g.approximate.ToString() == "tanh" ? "tanh" : "none"))));
                break;
            case Softplus s:
                f.Return(Torch("softplus", x, Float(s.beta), Float(s.threshold)));
                break;
            case Identity:
                f.Return(x);
                break;
            case Dropout d:
                f.Return(Torch("dropout", x, Float(d.p), Self("training")));
                break;
            case LayerNorm n:
                f.Return(Torch("layer_norm", x, List(n.normalized_shape.Select(v => (Expr)Int(v)).ToArray()),
                    Param("weight"), Param("bias"), Float(n.eps)));
                break;
            case Embedding:
                f.Return(Torch("embedding", Param("weight"), x));
                break;
            default:
            {
                // Sequential
                f.Assign("y", x);
                foreach (var (name, child) in module.named_children())
                {
                    var converted = context.TryGetCompiled(child)?.Instance ?? TryConvert(child, context);
                    if (converted is null)
                    {
                        return null;
                    }

                    var attr = TraceSession.AttrName(name);
                    instance.AddSubmodule(attr, converted);
                    f.Assign("y", Forward(attr, Var("y")));
                }

                f.Return(Var("y"));
                break;
            }
        }

        instance.AddMethod(f.Build());
        return instance;
    }
}
