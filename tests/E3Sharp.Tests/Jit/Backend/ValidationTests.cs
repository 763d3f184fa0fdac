using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>Invalid IR is rejected before it reaches LibTorch, with messages naming class, method and statement.</summary>
public class ValidationTests
{
    private static ModuleInstance WithForward(Action<MethodBuilder> body, TsType? returns = null, Action<ModuleInstance>? setup = null)
    {
        var m = new ModuleInstance("__torch__.bad.Net").AddParameter("w", ones(3));
        setup?.Invoke(m);
        var f = new MethodBuilder("forward", returns ?? TsType.Tensor).Param("x", TsType.Tensor);
        body(f);
        m.AddMethod(f.Build());
        return m;
    }

    private static string Reject(ModuleInstance m)
    {
        var e = Assert.Throws<TorchScriptValidationException>(() => TorchScriptArchive.Write(m));
        return e.Message;
    }

    [Fact]
    public void UndeclaredAttributeIsRejected()
    {
        var msg = Reject(WithForward(f => f.Return(Var("x") * Self("scale"))));
        Assert.Equal(
            "Class __torch__.bad.Net, method forward, statement `return x * self.scale`: 'self.scale' is not a declared attribute of __torch__.bad.Net.",
            msg);
    }

    [Fact]
    public void UndeclaredAttributeOfSubmoduleIsRejected()
    {
        var child = new ModuleInstance("__torch__.bad.Child").AddParameter("w", ones(3));
        var msg = Reject(WithForward(f => f.Return(Var("x") * Self("child.v")), setup: m => m.AddSubmodule("child", child)));
        Assert.Contains("'self.child.v' is not a declared attribute of __torch__.bad.Child", msg);
    }

    [Fact]
    public void RaiseWithANonStrMessageIsRejected()
    {
        var msg = Reject(WithForward(f => f.Raise(Method(Var("x"), "size", -1))));
        Assert.Equal(
            "Class __torch__.bad.Net, method forward, statement `ops.prim.RaiseException(x.size(-1))`: the raised message has type int; it must be a str " +
            "(build it with + and str(...)).",
            msg);
    }

    [Fact]
    public void StrOfATensorIsRejected()
    {
        var msg = Reject(WithForward(f => f.Raise(Str("got ") + Builtin("str", Var("x")))));
        Assert.Contains("builtin str(Tensor) is not supported for these argument types", msg);
    }

    [Fact]
    public void ListsSliceAndCompareAsInTorchScript()
    {
        // x.size()[:-1] is a List[int]; two such lists compare with == (aten::eq.int_list); the module loads and runs.
        var ok = WithForward(f =>
        {
            f.Assign("lead", Index(Method(Var("x"), "size"), Slice(null, Int(-1))));
            f.If(Eq(Var("lead"), List(Int(2), Int(3))), t => t.Return(Var("x") * 2.0));
            f.Return(Var("x"));
        });
        using var loaded = TorchScriptArchive.Load(TorchScriptArchive.Write(ok));
        Assert.Equal(2.0f, ((Tensor)loaded.forward(ones(2, 3, 4))!)[0, 0, 0].item<float>());
        Assert.Equal(1.0f, ((Tensor)loaded.forward(ones(3, 2, 4))!)[0, 0, 0].item<float>());

        var msg = Reject(WithForward(f =>
        {
            f.If(Eq(Index(Method(Var("x"), "size"), Slice(null, Int(-1))), List(Float(2.0))), t => t.Return(Var("x")));
            f.Return(Var("x"));
        }));
        Assert.Contains("operator '==' is not defined for List[int] and List[float]", msg);

        var bound = Reject(WithForward(f =>
        {
            f.Assign("lead", Index(Method(Var("x"), "size"), Slice(null, Float(1.0))));
            f.Return(Var("x"));
        }));
        Assert.Contains("list slice bounds and steps must be ints", bound);
        var index = Reject(WithForward(f =>
        {
            f.Assign("n", Index(Method(Var("x"), "size"), Str("a")));
            f.Return(Var("x"));
        }));
        Assert.Contains("a list index must be a single int or a slice", index);
    }

    [Fact]
    public void ItemAssignmentChecksTheContainerTheIndexAndTheValue()
    {
        // Accepted: a dict key set and a list item set (printed as Python's item assignment).
        var ok = WithForward(f =>
        {
            f.Declare("d", TsType.Dict(TsType.Tensor), new DictExpr(new Expr[] { Str("a") }, new Expr[] { Var("x") }, TsType.Str, TsType.Tensor));
            f.SetItem(Var("d"), Str("b"), Var("x"));
            f.Assign("l", List(Var("x"), Var("x")));
            f.SetItem(Var("l"), Int(-1), Index(Var("d"), Str("b")));
            f.Return(Index(Var("l"), Int(1)));
        });
        IrValidator.Validate(ok);
        Assert.Contains("d[\"b\"] = x", string.Join("\n", E3Sharp.Jit.Serialization.TorchScriptArchive.PrintCode(ok).Values));
        string Set(Expr target, Expr index, Expr value) => Reject(WithForward(f =>
        {
            f.Declare("d", TsType.Dict(TsType.Tensor), new DictExpr(new Expr[] { Str("a") }, new Expr[] { Var("x") }, TsType.Str, TsType.Tensor));
            f.Assign("l", List(Var("x")));
            f.SetItem(target, index, value);
            f.Return(Var("x"));
        }));
        Assert.Contains("cannot store a int in a Dict[str, Tensor]", Set(Var("d"), Str("b"), Int(1)));
        Assert.Contains("a key of a Dict[str, Tensor] must be a str, not a int", Set(Var("d"), Int(0), Var("x")));
        Assert.Contains("a list index must be an int, not a str", Set(Var("l"), Str("0"), Var("x")));
        Assert.Contains("needs a list or a dict, not a Tensor", Set(Var("x"), Int(0), Var("x")));
        Assert.Contains("needs a variable holding a list or a dict", Set(Method(Var("d"), "copy"), Str("b"), Var("x")));
    }

    [Fact]
    public void UnknownOpIsRejected()
    {
        var msg = Reject(WithForward(f => f.Return(Torch("frobnicate", Var("x")))));
        Assert.Equal(
            "Class __torch__.bad.Net, method forward, statement `return torch.frobnicate(x)`: torch.frobnicate: unknown operator 'frobnicate' (not in the op table).",
            msg);
    }

    [Fact]
    public void OpArgumentTypeMismatchListsOverloads()
    {
        var msg = Reject(WithForward(f => f.Return(Torch("unsqueeze", Var("x"), 1.0))));
        Assert.StartsWith(
            "Class __torch__.bad.Net, method forward, statement `return torch.unsqueeze(x, 1.0)`: torch.unsqueeze: no overload of 'unsqueeze' accepts (Tensor, float):\n" +
            "  unsqueeze(Tensor(a) self, int dim) -> Tensor(a): argument 'dim' expects int, got float",
            msg);
    }

    [Fact]
    public void IntWhereFloatIsExpectedIsRejected()
    {
        var msg = Reject(WithForward(f => f.Return(Torch("layer_norm", [Var("x"), ListOf(TsType.Int, 3)], Kw("eps", 1)))));
        Assert.Contains("argument 'eps' expects float, got int", msg);
    }

    [Fact]
    public void UnknownKeywordIsRejected()
    {
        var msg = Reject(WithForward(f => f.Return(Torch("sum", [Var("x")], Kw("axis", 0)))));
        Assert.Contains("no parameter named 'axis'", msg);
    }

    [Fact]
    public void UndefinedLocalIsRejected()
    {
        var msg = Reject(WithForward(f => f.Return(Var("y"))));
        Assert.Equal(
            "Class __torch__.bad.Net, method forward, statement `return y`: local variable 'y' is not defined here (assigned later, in only one branch of an if, or only inside a loop?).",
            msg);
    }

    [Fact]
    public void VariableAssignedInOneBranchOnlyIsNotVisibleAfterTheIf()
    {
        var msg = Reject(WithForward(f =>
        {
            f.If(Torch("any", Var("x") > 0.0), t => t.Assign("y", Var("x") + 1.0));
            f.Return(Var("y"));
        }));
        Assert.Contains("statement `return y`: local variable 'y' is not defined here", msg);
    }

    [Fact]
    public void VariableAssignedInBothBranchesIsVisible()
    {
        var m = WithForward(f =>
        {
            f.If(Torch("any", Var("x") > 0.0), t => t.Assign("y", Var("x") + 1.0), e => e.Assign("y", Var("x") - 1.0));
            f.Return(Var("y"));
        });
        IrValidator.Validate(m);
    }

    [Fact]
    public void VariableFromTheNonReturningBranchIsVisible()
    {
        var m = WithForward(f =>
        {
            f.If(Torch("any", Var("x") > 0.0), t => t.Return(Var("x")), e => e.Assign("y", Var("x") - 1.0));
            f.Return(Var("y"));
        });
        IrValidator.Validate(m);
    }

    [Fact]
    public void VariableFirstAssignedInALoopIsNotVisibleAfterIt()
    {
        var msg = Reject(WithForward(f =>
        {
            f.ForRange("i", 3, b => b.Assign("z", Var("x")));
            f.Return(Var("z"));
        }));
        Assert.Contains("local variable 'z' is not defined here", msg);
    }

    [Fact]
    public void BranchTypeMismatchIsRejected()
    {
        var msg = Reject(WithForward(f =>
        {
            f.If(Torch("any", Var("x") > 0.0), t => t.Assign("k", 1), e => e.Assign("k", 2.0));
            f.Return(Var("x") * Var("k"));
        }));
        Assert.Contains("statement `if torch.any(x > 0.0):`: variable 'k' is a int after the then-branch but a float after the else-branch", msg);
    }

    [Fact]
    public void LoopCarriedTypeChangeIsRejected()
    {
        var msg = Reject(WithForward(f =>
        {
            f.Assign("k", 1);
            f.ForRange("i", 3, b => b.Assign("k", 2.5));
            f.Return(Var("x"));
        }));
        Assert.Contains("statement `k = 2.5`: variable 'k' has type int from an enclosing block and cannot be assigned a float", msg);
    }

    [Fact]
    public void ReturnTypeMismatchIsRejected()
    {
        var msg = Reject(WithForward(f => f.Return(Torch("numel", Var("x")))));
        Assert.Contains("statement `return torch.numel(x)`: returns a int but the method's return type is Tensor", msg);
    }

    [Fact]
    public void MissingReturnOnSomePathIsRejected()
    {
        var msg = Reject(WithForward(f => f.If(Torch("any", Var("x") > 0.0), t => t.Return(Var("x")))));
        Assert.Equal(
            "Class __torch__.bad.Net, method forward: the method returns Tensor but does not return (or raise) on every path; loops do not count as returning.",
            msg);
    }

    [Fact]
    public void BadIdentifierIsRejected()
    {
        var msg = Reject(WithForward(f =>
        {
            f.Assign("my-var", Var("x"));
            f.Return(Var("x"));
        }));
        Assert.Contains("statement `my-var = x`: variable name 'my-var' is not a valid identifier", msg);
    }

    [Fact]
    public void KeywordAndReservedNamesAreRejected()
    {
        Assert.Contains("variable name 'lambda' is a Python/TorchScript keyword", Reject(WithForward(f =>
        {
            f.Assign("lambda", Var("x"));
            f.Return(Var("x"));
        })));
        Assert.Contains("variable name 'torch' is reserved", Reject(WithForward(f =>
        {
            f.Assign("torch", Var("x"));
            f.Return(Var("x"));
        })));
        var m = new ModuleInstance("__torch__.bad.Net").AddAttribute("class", TsType.Int, 1);
        Assert.Equal("Class __torch__.bad.Net: attribute name 'class' is a Python/TorchScript keyword.", Reject(m));
    }

    [Fact]
    public void AttributeValueOfTheWrongTypeIsRejected()
    {
        var m = new ModuleInstance("__torch__.bad.Net").AddAttribute("k", TsType.Int, 1.5);
        Assert.Equal(
            "Class __torch__.bad.Net: the value of attribute 'k' in the module at 'root' does not fit its type int: a value of CLR type Double is not a int.",
            Reject(m));
        var l = new ModuleInstance("__torch__.bad.Net").AddAttribute("dims", TsType.List(TsType.Int), new object[] { 1, "two" });
        Assert.Contains("does not fit its type List[int]: item 1: a value of CLR type String is not a int", Reject(l));
    }

    [Fact]
    public void MissingAttributeValueIsRejected()
    {
        var c = new ModuleClass("__torch__.bad.Net").AddBuffer("b");
        Assert.Equal(
            "Class __torch__.bad.Net: attribute 'b' (Buffer, Tensor) has no value in the module at 'root'.",
            Reject(new ModuleInstance(c)));
    }

    [Fact]
    public void SubmoduleUsedAsValueIsRejected()
    {
        var child = new ModuleInstance("__torch__.bad.Child");
        var msg = Reject(WithForward(f => f.Return(Self("child")), setup: m => m.AddSubmodule("child", child)));
        Assert.Contains("submodule 'self.child' cannot be used as a value; call self.child.forward(...)", msg);
    }

    [Fact]
    public void SubmoduleMethodArgumentsAreChecked()
    {
        var child = new ModuleInstance("__torch__.bad.Child");
        var cf = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        cf.Return(Var("x"));
        child.AddMethod(cf.Build());
        Assert.Contains("self.child.forward takes 1 arguments, got 2",
            Reject(WithForward(f => f.Return(Forward("child", Var("x"), Var("x"))), setup: m => m.AddSubmodule("child", child))));
        Assert.Contains("self.child.forward: argument 'x' expects Tensor, got int",
            Reject(WithForward(f => f.Return(Forward("child", 3)), setup: m => m.AddSubmodule("child", child))));
        Assert.Contains("submodule 'self.child' (__torch__.bad.Child) has no method 'other'",
            Reject(WithForward(f => f.Return(ModuleCall("child", "other", Var("x"))), setup: m => m.AddSubmodule("child", child))));
    }

    [Fact]
    public void RecursionIsRejected()
    {
        var m = new ModuleInstance("__torch__.bad.Net");
        var a = new MethodBuilder("a", TsType.Tensor).Param("x", TsType.Tensor);
        a.Return(SelfCall("b", Var("x")));
        var b = new MethodBuilder("b", TsType.Tensor).Param("x", TsType.Tensor);
        b.Return(SelfCall("a", Var("x")));
        m.AddMethod(a.Build()).AddMethod(b.Build());
        Assert.Equal(
            "Class __torch__.bad.Net: methods call each other recursively (a -> b -> a); TorchScript does not support recursion.",
            Reject(m));
    }

    [Fact]
    public void OperatorTypeErrorsAreRejected()
    {
        Assert.Contains("operator '@' is not defined for Tensor and float", Reject(WithForward(f => f.Return(MatMul(Var("x"), 2.0)))));
        Assert.Contains("operator 'and' is not defined for Tensor and bool", Reject(WithForward(f =>
        {
            f.If(And(Var("x"), true), t => t.Return(Var("x")));
            f.Return(Var("x"));
        })));
        Assert.Contains("the if condition is a int; it must be a bool or a Tensor", Reject(WithForward(f =>
        {
            f.If(1, t => t.Return(Var("x")));
            f.Return(Var("x"));
        })));
    }

    [Fact]
    public void OptionalNeedsRefinementBeforeUse()
    {
        var msg = Reject(WithForward(f =>
        {
            f.Assign("m", Self("maybe"));
            f.Return(Var("x") + Var("m"));
        }, setup: m => m.AddAttribute("maybe", TsType.Optional(TsType.Tensor), null)));
        Assert.Contains("operator '+' is not defined for Tensor and Optional[Tensor]", msg);

        var ok = WithForward(f =>
        {
            f.Assign("m", Self("maybe"));
            f.If(Var("m").IsNotNone(), t => t.Return(Var("x") + Var("m")));
            f.Return(Var("x"));
        }, setup: m => m.AddAttribute("maybe", TsType.Optional(TsType.Tensor), null));
        IrValidator.Validate(ok);
    }

    [Fact]
    public void BreakOutsideLoopAndUnreachableCodeAreRejected()
    {
        Assert.Contains("statement `break`: break outside a loop", Reject(WithForward(f => f.Break().Return(Var("x")))));
        Assert.Contains("statement `y = x`: unreachable statement", Reject(WithForward(f => f.Return(Var("x")).Assign("y", Var("x")))));
    }

    [Fact]
    public void TwoClassesWithOneNameAreRejected()
    {
        var a = new ModuleInstance("__torch__.bad.Child").AddAttribute("k", TsType.Int, 1);
        var b = new ModuleInstance("__torch__.bad.Child").AddAttribute("k", TsType.Int, 2);
        var root = new ModuleInstance("__torch__.bad.Net").AddSubmodule("a", a).AddSubmodule("b", b);
        Assert.Contains("Two different module classes are named __torch__.bad.Child (module at 'b')", Reject(root));
    }

    [Fact]
    public void TupleIndexOutOfRangeIsRejected()
    {
        var msg = Reject(WithForward(f =>
        {
            f.Assign("t", Tuple(Var("x"), Var("x")));
            f.Return(Index(Var("t"), 2));
        }));
        Assert.Contains("tuple index 2 is out of range for a Tuple[Tensor, Tensor]", msg);
    }

    [Fact]
    public void ApiMisuseThrowsArgumentExceptions()
    {
        var c = new ModuleClass("__torch__.bad.Net").AddParameter("w");
        Assert.Equal(
            "Class __torch__.bad.Net: attribute 'w' is already declared as Parameter w : Tensor; cannot redeclare it as Buffer w : Tensor. (Parameter 'declaration')",
            Assert.Throws<ArgumentException>(() => c.AddBuffer("w")).Message);
        Assert.StartsWith("A module class name must start with '__torch__.' (got 'Net')",
            Assert.Throws<ArgumentException>(() => new ModuleClass("Net")).Message);
        Assert.StartsWith("Class __torch__.bad.Net: 'training' is implicit",
            Assert.Throws<ArgumentException>(() => c.AddAttribute("training", TsType.Bool)).Message);
        Assert.StartsWith("Module __torch__.bad.Net has no declared attribute 'nope'",
            Assert.Throws<ArgumentException>(() => new ModuleInstance(c).Set("nope", 1)).Message);
    }
}
