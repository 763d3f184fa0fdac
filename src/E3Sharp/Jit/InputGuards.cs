using E3Sharp.Jit.Ir;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;

namespace E3Sharp.Jit;

/// <summary>
/// The compiled half of <see cref="InputContract"/>: prepends to a compiled module's <c>forward</c> the checks that
/// <c>InputContract.Check</c> runs eagerly, as TorchScript <c>if ...: raise</c> statements with the same
/// messages (built from the same text; TorchScript appends the sizes, dtypes and devices it reads).
/// </summary>
internal static class InputGuards
{
    private const string LoopVariable = "guard_k";

    /// <summary>Adds the guards of <paramref name="module"/>'s contract (when it has one) to <paramref name="instance"/>.</summary>
    public static void Apply(torch.nn.Module module, ModuleInstance instance)
    {
        if (module is not IInputContract source)
        {
            return;
        }

        Prepend(instance, "forward", source.InputContract);
        foreach (var name in instance.Class.MethodNames.Where(n => n != "forward").ToList())
        {
            Prepend(instance, name, source.ExportContract(name));
        }
    }

    private static void Prepend(ModuleInstance instance, string name, InputContract? contract)
    {
        if (contract is null || instance.Class.FindMethod(name) is not { } method)
        {
            return;
        }

        var guards = Guards(contract, instance, method.Parameters);
        if (guards.Count == 0)
        {
            return;
        }

        var body = new List<Stmt>(guards);
        body.AddRange(method.Body);
        instance.Class.ReplaceMethod(name, new MethodDef(name, method.Parameters, method.ReturnType, body));
    }

    private static List<Stmt> Guards(InputContract contract, ModuleInstance instance, IReadOnlyList<Param> parameters)
    {
        var n = Math.Min(parameters.Count, contract.Inputs.Count);
        var tensors = new List<int>();
        for (var i = 0; i < n; i++)
        {
            // Optional arguments (scripted Optional[Tensor]) are left to the forward.
            if (parameters[i].Type.Kind == TsTypeKind.Tensor)
            {
                tensors.Add(i);
            }
        }

        var guards = new List<Stmt>();
        foreach (var i in tensors)
        {
            var x = Var(parameters[i].Name);
            var spec = contract.Inputs[i];
            if (spec.AcceptsAnyShape)
            {
                continue;
            }

            var badRank = spec.Batched ? (Expr)Binary(BinaryOp.Lt, Method(x, "dim"), Int(spec.MinRank)) : Ne(Method(x, "dim"), Int(1));
            var bad = spec.LastDimension == InputSpec.AnyLastDimension
                ? badRank
                : Or(badRank, Ne(Method(x, "size", Int(-1)), Int(spec.LastDimension)));
            if (spec.ChecksFirstDimension)
            {
                bad = Or(bad, Ne(Method(x, "size", Int(0)), Int(spec.FirstDimension)));
            }
            guards.Add(Raise(bad, Concat(Str(contract.ShapeMessage(i)), SizeText(x), Str("."))));
        }

        foreach (var i in tensors)
        {
            if (contract.Inputs[i].RequiredDtype is { } required)
            {
                var x = Var(parameters[i].Name);
                guards.Add(Raise(Ne(DtypeText(x), Str(required)),
                    Concat(Str(contract.DtypeMessage(i)), DtypeText(x), Str(InputContract.RequiredDtypeText + required + "."))));
            }
        }

        if (contract.DtypeReference is null && contract.Floating)
        {
            foreach (var i in tensors.Where(contract.TakesModuleDtype))
            {
                var x = Var(parameters[i].Name);
                guards.Add(Raise(Not(Method(x, "is_floating_point")),
                    Concat(Str(contract.DtypeMessage(i)), DtypeText(x), Str(InputContract.FloatingText))));
            }
        }

        if (contract.DtypeReference is { } path && Resolves(instance, path))
        {
            var reference = Self(path.Split('.'));
            foreach (var i in tensors.Where(contract.TakesModuleDtype))
            {
                var x = Var(parameters[i].Name);
                var differs = Or(
                    Ne(Method(x, "is_floating_point"), Method(reference, "is_floating_point")),
                    Ne(Method(x, "element_size"), Method(reference, "element_size")));
                guards.Add(Raise(differs, Concat(Str(contract.DtypeMessage(i)), DtypeText(x),
                    Str(InputContract.ModuleDtypeText), DtypeText(reference), Str("."))));
                guards.Add(Raise(Ne(Method(x, "get_device"), Method(reference, "get_device")),
                    Concat(Str(contract.DeviceMessage(i)), DeviceText(x), Str(InputContract.ModuleDeviceText),
                        DeviceText(reference), Str("."))));
            }
        }

        for (var p = 0; p < tensors.Count; p++)
        {
            for (var q = p + 1; q < tensors.Count; q++)
            {
                int i = tensors[p], j = tensors[q];
                if (!contract.BatchesMeet(i, j))
                {
                    continue;
                }

                var a = Var(parameters[i].Name);
                var b = Var(parameters[j].Name);
                var d = Binary(BinaryOp.Sub, Int(-2), Var(LoopVariable));
                var sa = Method(a, "size", d);
                var sb = Method(b, "size", d);
                var clash = And(Ne(sa, sb), And(Ne(sa, Int(1)), Ne(sb, Int(1))));
                var end = Binary(BinaryOp.Sub, Builtin("min", Method(a, "dim"), Method(b, "dim")), Int(1));
                guards.Add(new ForRangeStmt(LoopVariable, null, end, null,
                [
                    Raise(clash, Concat(Str(contract.BatchMessage(i, j)), SizeText(a), Str(" and "), SizeText(b), Str("."))),
                ]));
            }
        }

        return guards;
    }

    private static IfStmt Raise(Expr condition, Expr message) => new(condition, [new RaiseStmt(message)], []);

    private static Expr Concat(params Expr[] parts) => parts.Aggregate((l, r) => Binary(BinaryOp.Add, l, r));

    private static Expr SizeText(Expr x) => Builtin("str", Method(x, "size"));

    // InputContract.DtypeName, from what TorchScript reads of a tensor.
    private static Expr DtypeText(Expr x)
    {
        var size = Method(x, "element_size");
        Expr Name(bool floating, long s) => Str(InputContract.DtypeName(floating, s));
        return Cond(Method(x, "is_floating_point"),
            Cond(Eq(size, Int(8)), Name(true, 8), Cond(Eq(size, Int(4)), Name(true, 4), Name(true, 2))),
            Cond(Eq(size, Int(8)), Name(false, 8), Cond(Eq(size, Int(4)), Name(false, 4),
                Cond(Eq(size, Int(2)), Name(false, 2), Name(false, 1)))));
    }

    // InputContract.DeviceName.
    private static Expr DeviceText(Expr x) =>
        Cond(Binary(BinaryOp.Lt, Method(x, "get_device"), Int(0)), Str("cpu"),
            Binary(BinaryOp.Add, Str("cuda:"), Builtin("str", Method(x, "get_device"))));

    private static bool Resolves(ModuleInstance instance, string path)
    {
        var parts = path.Split('.');
        var m = instance;
        for (var k = 0; k < parts.Length; k++)
        {
            if (!m.HasValue(parts[k]))
            {
                return false;
            }

            var v = m.GetValue(parts[k]);
            if (k == parts.Length - 1)
            {
                return v is torch.Tensor;
            }

            if (v is not ModuleInstance child)
            {
                return false;
            }

            m = child;
        }

        return false;
    }
}
