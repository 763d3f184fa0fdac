using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>Calls eager and TorchScript modules with tensor arguments and compares their outputs.</summary>
    internal static class ModuleInvoker
    {
        /// <summary>Calls the module's forward (through <c>call</c>, so hooks run) with <paramref name="inputs"/>.</summary>
        /// <param name="module">An eager module (a <c>Module&lt;...&gt;</c>) or a TorchScript module.</param>
        /// <param name="inputs">The tensor arguments, in order.</param>
        public static object? Invoke(torch.nn.Module module, torch.Tensor[] inputs)
        {
            ArgumentNullException.ThrowIfNull(module);
            ArgumentNullException.ThrowIfNull(inputs);
            if (module is torch.jit.ScriptModule script)
            {
                return script.forward(inputs.Cast<object>().ToArray());
            }

            var method = FindForward(module.GetType(), "call", inputs.Length) ?? FindForward(module.GetType(), "forward", inputs.Length)
                ?? throw new ArgumentException(
                    $"{TypeName(module)} has no forward taking {inputs.Length} tensor argument(s).", nameof(inputs));
            var parameters = method.GetParameters();
            var args = new object?[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                args[i] = i < inputs.Length ? inputs[i] : parameters[i].DefaultValue;
            }

            try
            {
                return method.Invoke(module, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        private static MethodInfo? FindForward(Type type, string name, int count) =>
            type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Where(m => m.Name == name && !m.IsGenericMethodDefinition)
                .Where(m =>
                {
                    var ps = m.GetParameters();
                    return ps.Length >= count && ps.Length - count <= ps.Count(p => p.HasDefaultValue) &&
                           ps.Take(count).All(p => p.ParameterType.IsAssignableFrom(typeof(torch.Tensor)));
                })
                .OrderBy(m => m.GetParameters().Length)
                .ThenBy(m => m.DeclaringType == typeof(torch.nn.Module) ? 1 : 0)
                .FirstOrDefault();

        /// <summary>The tensors and numbers of an output (a tensor, a C# tuple, an array or list), in order.</summary>
        /// <param name="output">The output.</param>
        public static List<object?> Flatten(object? output)
        {
            var items = new List<object?>();
            FlattenInto(output, items);
            return items;
        }

        private static void FlattenInto(object? output, List<object?> items)
        {
            switch (output)
            {
                case torch.Tensor t:
                    items.Add(t);
                    break;
                case Scalar s:
                    items.Add(s.ToDouble());
                    break;
                case string:
                    items.Add(output);
                    break;
                case ITuple tuple:
                    for (var i = 0; i < tuple.Length; i++)
                    {
                        FlattenInto(tuple[i], items);
                    }

                    break;
                case IEnumerable e:
                    foreach (var o in e)
                    {
                        FlattenInto(o, items);
                    }

                    break;
                case null:
                    items.Add(null);
                    break;
                default:
                    items.Add(Convert.ToDouble(output, CultureInfo.InvariantCulture));
                    break;
            }
        }

        /// <summary>
        /// Compares two outputs; returns null when they agree (same structure, shapes, dtypes, and values within
        /// 1e-5 absolute + 1e-5 relative for float32, 1e-10 + 1e-10 for float64, exact for integers), else a sentence
        /// saying where and by how much they differ.
        /// </summary>
        /// <param name="expected">The eager output.</param>
        /// <param name="actual">The compiled output.</param>
        public static string? Compare(object? expected, object? actual)
        {
            var e = Flatten(expected);
            var a = Flatten(actual);
            if (e.Count != a.Count)
            {
                return $"the eager module returns {e.Count} value(s), the compiled one {a.Count}";
            }

            for (var i = 0; i < e.Count; i++)
            {
                var what = e.Count == 1 ? "the output" : $"output {i}";
                switch (e[i], a[i])
                {
                    case (torch.Tensor te, torch.Tensor ta):
                    {
                        if (!te.shape.SequenceEqual(ta.shape))
                        {
                            return $"{what} has shape [{string.Join(", ", ta.shape)}] instead of [{string.Join(", ", te.shape)}]";
                        }

                        if (te.dtype != ta.dtype)
                        {
                            return $"{what} has dtype {ta.dtype} instead of {te.dtype}";
                        }

                        var (diff, tol) = Difference(te, ta);
                        if (diff > tol || double.IsNaN(diff))
                        {
                            return $"{what} differs by up to {diff.ToString("G4", CultureInfo.InvariantCulture)} " +
                                   $"(tolerance {tol.ToString("G2", CultureInfo.InvariantCulture)})";
                        }

                        break;
                    }

                    case (double de, double da):
                        if (Math.Abs(de - da) > 1e-9 * Math.Max(1, Math.Abs(de)))
                        {
                            return $"{what} is {da.ToString(CultureInfo.InvariantCulture)} instead of {de.ToString(CultureInfo.InvariantCulture)}";
                        }

                        break;
                    default:
                        if (!Equals(e[i], a[i]))
                        {
                            return $"{what} is {a[i] ?? "None"} instead of {e[i] ?? "None"}";
                        }

                        break;
                }
            }

            return null;
        }

        /// <summary>The largest absolute difference (NaN where one side has a NaN the other lacks) and the tolerance.</summary>
        public static (double Difference, double Tolerance) Difference(torch.Tensor expected, torch.Tensor actual)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            if (expected.numel() == 0)
            {
                return (0, 0);
            }

            var floating = expected.is_floating_point() || expected.is_complex();
            var e = expected.detach().to(torch.float64);
            var a = actual.detach().to(torch.float64);
            var bothNan = e.isnan().logical_and(a.isnan());
            using var zero = 0.ToScalar();
            var d = (e - a).abs().masked_fill(bothNan, zero);
            if (d.isnan().any().item<bool>())
            {
                return (double.NaN, 0);
            }

            var diff = d.max().item<double>();
            var scale = e.abs().masked_fill(e.isnan(), zero).max().item<double>();
            var tol = !floating ? 0 : expected.dtype == torch.float64 ? 1e-10 + 1e-10 * scale : 1e-5 + 1e-5 * scale;
            return (diff, tol);
        }

        /// <summary>Shapes of input tensors, for messages: <c>[3, 5], [3]</c>.</summary>
        public static string Shapes(torch.Tensor[] inputs) =>
            string.Join(", ", inputs.Select(t => "[" + string.Join(", ", t.shape) + "]"));
    }
}
