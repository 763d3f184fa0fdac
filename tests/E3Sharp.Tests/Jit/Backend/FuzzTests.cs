using CsCheck;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>
/// Random valid IR module trees (submodules up to three deep, parameters and buffers of two dtypes, branches, loops,
/// ternaries, submodule calls) all validate, load and run in TorchSharp, and give what an independent interpreter
/// of the IR (running the same TorchSharp ops eagerly) gives.
/// </summary>
public class FuzzTests
{
    private sealed class RandomModules(int seed)
    {
        private readonly Random _rng = new(seed);
        private int _classes;

        public ModuleInstance Module(int depth)
        {
            var id = _classes++;
            var qualifier = _rng.Next(3) == 0 ? "__torch__.fuzz" : $"__torch__.fuzz.q{_rng.Next(2)}";
            var m = new ModuleInstance($"{qualifier}.M{id}");
            var state = new List<string>();
            var nParams = 1 + _rng.Next(2);
            for (var i = 0; i < nParams; i++)
            {
                m.AddParameter($"p{i}", (rand(3, generator: new Generator((ulong)_rng.Next())) * 1.8f - 0.9f).requires_grad_(true));
                state.Add($"p{i}");
            }

            if (_rng.Next(2) == 0)
            {
                var dtype = _rng.Next(3) == 0 ? float64 : float32;
                m.AddBuffer("b0", (rand(3, generator: new Generator((ulong)_rng.Next())) - 0.5f).to(dtype));
                state.Add("b0");
            }

            var children = new List<string>();
            var nChildren = depth < 3 ? _rng.Next(3) : 0;
            for (var i = 0; i < nChildren; i++)
            {
                m.AddSubmodule($"c{i}", Module(depth + 1));
                children.Add($"c{i}");
            }

            var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
            var env = new List<string> { "x" };
            Block(f, env, state, children, 0);
            f.Return(Tensor(env, state, children, 2));
            m.AddMethod(f.Build());
            return m;
        }

        private int _locals;

        private void Block(BlockBuilder b, List<string> env, List<string> state, List<string> children, int nesting)
        {
            var n = 1 + _rng.Next(3);
            for (var i = 0; i < n; i++)
            {
                switch (nesting < 2 ? _rng.Next(6) : _rng.Next(2))
                {
                    case 0:
                    {
                        var v = $"v{_locals++}";
                        b.Assign(v, Tensor(env, state, children, 3));
                        env.Add(v);
                        break;
                    }

                    case 1:
                        b.Assign(Pick(env), Tensor(env, state, children, 3));
                        break;
                    case 2:
                    {
                        var v = $"v{_locals++}";
                        var cond = Torch("any", Tensor(env, state, children, 1) > Float(_rng.NextDouble() - 0.5));
                        var scope = new List<string>(env);
                        b.If(cond,
                            t =>
                            {
                                Block(t, new List<string>(scope), state, children, nesting + 1);
                                t.Assign(v, Tensor(scope, state, children, 2));
                            },
                            e => e.Assign(v, Tensor(scope, state, children, 2)));
                        env.Add(v);
                        break;
                    }

                    case 3:
                    {
                        var target = Pick(env);
                        var scope = new List<string>(env);
                        b.ForRange($"i{_locals++}", _rng.Next(4), body =>
                        {
                            Block(body, new List<string>(scope), state, children, nesting + 1);
                            body.Assign(target, Tensor(scope, state, children, 2) * 0.5);
                        });
                        break;
                    }

                    case 4:
                    {
                        var counter = $"n{_locals++}";
                        var target = Pick(env);
                        var scope = new List<string>(env);
                        b.Assign(counter, 0);
                        b.While(Var(counter) < _rng.Next(3), body =>
                        {
                            body.AugAssign(counter, BinaryOp.Add, 1);
                            body.Assign(target, Tensor(scope, state, children, 2));
                        });
                        break;
                    }

                    default:
                    {
                        var v = $"v{_locals++}";
                        b.Assign(v, Cond(Torch("any", Tensor(env, state, children, 1) < 0.0),
                            Tensor(env, state, children, 2), Tensor(env, state, children, 2)));
                        env.Add(v);
                        break;
                    }
                }
            }
        }

        private string Pick(List<string> items) => items[_rng.Next(items.Count)];

        private static readonly string[] Unary = ["relu", "tanh", "sigmoid", "sin", "abs"];

        private Expr Tensor(List<string> env, List<string> state, List<string> children, int depth)
        {
            var choice = depth <= 0 ? _rng.Next(2) : _rng.Next(9);
            switch (choice)
            {
                case 0:
                    return Var(Pick(env));
                case 1:
                    return Self(Pick(state));
                case 2:
                case 3:
                {
                    var op = _rng.Next(3) switch { 0 => BinaryOp.Add, 1 => BinaryOp.Sub, _ => BinaryOp.Mul };
                    return Binary(op, Tensor(env, state, children, depth - 1), Tensor(env, state, children, depth - 1));
                }

                case 4:
                    return Torch(Unary[_rng.Next(Unary.Length)], Tensor(env, state, children, depth - 1));
                case 5:
                    return Tensor(env, state, children, depth - 1).Call(Unary[_rng.Next(Unary.Length)]);
                case 6:
                    return Torch("mean", [Tensor(env, state, children, depth - 1), List(-1)], Kw("keepdim", true));
                case 7:
                    return -Tensor(env, state, children, depth - 1) * Float(Math.Round(_rng.NextDouble(), 3));
                default:
                    return children.Count > 0
                        ? Forward(Pick(children), Tensor(env, state, children, depth - 1))
                        : Torch("tanh", Tensor(env, state, children, depth - 1));
            }
        }
    }

    /// <summary>An eager interpreter of the IR subset the generator produces (the independent reference).</summary>
    private static Tensor Interpret(ModuleInstance m, Tensor x)
    {
        var env = new Dictionary<string, object> { ["x"] = x };
        var method = m.Class.FindMethod("forward")!;
        return (Tensor)Run(m, method.Body, env)!;
    }

    private static object? Run(ModuleInstance m, IReadOnlyList<Stmt> body, Dictionary<string, object> env)
    {
        foreach (var s in body)
        {
            switch (s)
            {
                case AssignStmt a:
                    env[a.Targets[0]] = Eval(m, a.Value, env);
                    break;
                case IfStmt i:
                {
                    var r = Run(m, ((Tensor)Eval(m, i.Condition, env)).item<bool>() ? i.Then : i.Else, env);
                    if (r is not null)
                    {
                        return r;
                    }

                    break;
                }

                case ForRangeStmt f:
                    for (long k = 0; k < (long)Eval(m, f.End, env); k++)
                    {
                        env[f.Variable] = k;
                        Run(m, f.Body, env);
                    }

                    break;
                case WhileStmt w:
                    while ((bool)Eval(m, w.Condition, env))
                    {
                        Run(m, w.Body, env);
                    }

                    break;
                case ReturnStmt r:
                    return Eval(m, r.Value!, env);
                default:
                    throw new InvalidOperationException(s.ToString());
            }
        }

        return null;
    }

    private static object Eval(ModuleInstance m, Expr e, Dictionary<string, object> env)
    {
        switch (e)
        {
            case VarExpr v:
                return env[v.Name];
            case IntLiteral i:
                return i.Value;
            case FloatLiteral f:
                return f.Value;
            case SelfAttrExpr a:
                return m.GetValue(a.Path.Single())!;
            case BinaryExpr b:
            {
                var l = Eval(m, b.Left, env);
                var r = Eval(m, b.Right, env);
                return (b.Op, l, r) switch
                {
                    (BinaryOp.Add, Tensor x, Tensor y) => (object)(x + y),
                    (BinaryOp.Sub, Tensor x, Tensor y) => x - y,
                    (BinaryOp.Mul, Tensor x, Tensor y) => x * y,
                    (BinaryOp.Mul, Tensor x, double y) => x * y,
                    (BinaryOp.Gt, Tensor x, double y) => x > y,
                    (BinaryOp.Lt, Tensor x, double y) => x < y,
                    (BinaryOp.Lt, long x, long y) => (object)(x < y),
                    (BinaryOp.Add, long x, long y) => (object)(x + y),
                    _ => throw new InvalidOperationException(e.ToString()),
                };
            }

            case UnaryExpr { Op: UnaryOp.Neg } u:
                return -(Tensor)Eval(m, u.Operand, env);
            case TorchCallExpr t:
                return Call(t.Op, (Tensor)Eval(m, t.Args[0], env));
            case MethodCallExpr c:
                return Call(c.Method, (Tensor)Eval(m, c.Receiver, env));
            case ModuleCallExpr c:
                return Interpret((ModuleInstance)m.GetValue(c.Path.Single())!, (Tensor)Eval(m, c.Args[0], env));
            case TernaryExpr t:
                return ((Tensor)Eval(m, t.Condition, env)).item<bool>() ? Eval(m, t.IfTrue, env) : Eval(m, t.IfFalse, env);
            default:
                throw new InvalidOperationException(e.ToString());
        }
    }

    private static Tensor Call(string op, Tensor x) => op switch
    {
        "relu" => x.relu(),
        "tanh" => x.tanh(),
        "sigmoid" => x.sigmoid(),
        "sin" => x.sin(),
        "abs" => x.abs(),
        "any" => x.any(),
        "mean" => x.mean([-1], keepdim: true),
        _ => throw new InvalidOperationException(op),
    };

    [Fact]
    public void RandomValidModuleTreesLoadRunAndMatchAnInterpreter()
    {
        var recorded = 0;
        // Random trees from fixed seeds, so CI is deterministic. A random CsCheck seed once produced a tree
        // (seed 1994539849: loop-carried values that are all dead because forward returns a parameter) that
        // LibTorch 2.10's interpreter fails with "Expected Tensor but got None"; PyTorch 1.13 runs a reduced version
        // of it. Set E3SHARP_FUZZ_RANDOM=1 to draw fresh seeds with CsCheck instead.
        var seeds = Environment.GetEnvironmentVariable("E3SHARP_FUZZ_RANDOM") == "1"
            ? Gen.Int[0, int.MaxValue].Array[120].Single()
            : Enumerable.Range(0, 120).Select(i => 7919 * i + 13).ToArray();
        foreach (var seed in seeds)
        {
            using var scope = NewDisposeScope();
            var root = new RandomModules(seed).Module(1);
            var bytes = TorchScriptArchive.Write(root);
            Assert.Equal(bytes, TorchScriptArchive.Write(root));
            using var module = TorchScriptArchive.Load(bytes);
            var x = randn(2, 3, generator: new Generator((ulong)seed));
            Tensor got;
            try
            {
                got = (Tensor)module.forward(x);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"seed {seed}: the loaded module failed ({e.Message})\n{string.Join("\n", TorchScriptArchive.PrintCode(root).Values)}", e);
            }

            Tensor expected;
            try
            {
                expected = Interpret(root, x);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"seed {seed}: the interpreter failed ({e.Message})\n{string.Join("\n", TorchScriptArchive.PrintCode(root).Values)}", e);
            }

            Assert.Equal(expected.dtype, got.dtype);
            Assert.Equal(expected.shape, got.shape);
            Assert.True(allclose(got, expected, rtol: 1e-5, atol: 1e-6, equal_nan: true),
                $"seed {seed}: loaded module and interpreter differ\n{string.Join("\n", TorchScriptArchive.PrintCode(root).Values)}");
            if (recorded < 3)
            {
                Interop.Record($"backend_fuzz_{recorded++}", bytes, "forward", [x], [got.detach()]);
            }
        }
    }
}
