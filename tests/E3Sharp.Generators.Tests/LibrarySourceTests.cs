using System.Reflection;
using System.Runtime.CompilerServices;
using E3Sharp.Generators.Scripting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace E3Sharp.Generators.Tests;

/// <summary>Rules checked with Roslyn on E3Sharp's own source (src/E3Sharp), where a compiler cannot enforce them.</summary>
public class LibrarySourceTests
{
    /// <summary>
    /// No number is passed where TorchSharp takes a <c>Scalar</c>. The implicit conversion creates a Scalar nobody holds:
    /// TorchSharp reads its handle and calls LibTorch, and a GC on another thread may run its finalizer, which frees the
    /// native scalar while LibTorch reads it (seen in CI: "Expected false to be true" in <c>Scalar::toDouble</c>). The
    /// library holds each Scalar (<c>using var s = v.ToScalar()</c>) until the call returns. TorchSharp 0.107 does the same
    /// inside some of its own members (<c>Tensor.add(Tensor)</c> passes alpha 1, <c>x * 2.0</c> converts the 2.0,
    /// <c>ToDouble()</c> reads <c>item</c> through a Scalar): the library calls the overloads that take its held Scalars.
    /// </summary>
    [Fact]
    public void TheLibraryHoldsEveryScalarItPasses()
    {
        var (compilation, sources) = LibraryCompilation();
        var sites = ImplicitScalarSites(compilation, sources);
        Assert.True(sites.Count == 0,
            $"{sites.Count} Scalars nobody holds; hold each in a 'using var' (ToScalar()) and pass it:\n" + string.Join("\n", sites));
    }

    [Fact]
    public void TheScanFindsImplicitScalarsInCallsAndOperators()
    {
        var compilation = GeneratorHarness.Compile(("S.cs", """
            using TorchSharp;
            static class S
            {
                static torch.Tensor Implicit(torch.Tensor t) => t.div(2.0).mul(3);
                static torch.Tensor Inside(torch.Tensor t) => (t * 2.0).add(t) - 1.5;
                static double Read(torch.Tensor t) => t.sum().ToDouble();
                static torch.Tensor Held(torch.Tensor t)
                {
                    using var two = 2.0.ToScalar();
                    return t.div(two).add(t) * two + t;
                }
            }
            """));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(
            ["S.cs:4: 2.0", "S.cs:4: 3", "S.cs:5: (t * 2.0).add(t) - 1.5 calls Tensor.op_Subtraction", "S.cs:5: t * 2.0 calls Tensor.op_Multiply",
             "S.cs:6: t.sum().ToDouble() calls TensorExtensionMethods.ToDouble"],
            ImplicitScalarSites(compilation, compilation.SyntaxTrees));
    }

    private static List<string> ImplicitScalarSites(Compilation compilation, IEnumerable<SyntaxTree> trees)
    {
        var scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar");
        Assert.NotNull(scalar);
        var sites = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (model.GetOperation(node) is not { } operation)
                {
                    continue;
                }

                var member = operation switch
                {
                    IInvocationOperation call when call.Syntax == node => call.TargetMethod,
                    IBinaryOperation binary when binary.Syntax == node => binary.OperatorMethod,
                    _ => null,
                };
                if (member is not null && TorchSharpMembers.CreateUnheldScalar(member))
                {
                    var line = node.GetLocation().GetLineSpan();
                    sites.Add($"{Path.GetFileName(line.Path)}:{line.StartLinePosition.Line + 1}: {node} calls {member.ContainingType.Name}.{member.Name}");
                }

                foreach (var conversion in operation.ChildOperations.OfType<IConversionOperation>())
                {
                    if (conversion.IsImplicit && SymbolEqualityComparer.Default.Equals(conversion.OperatorMethod?.ContainingType, scalar))
                    {
                        var line = conversion.Syntax.GetLocation().GetLineSpan();
                        sites.Add($"{Path.GetFileName(line.Path)}:{line.StartLinePosition.Line + 1}: {conversion.Syntax}");
                    }
                }
            }
        }

        return sites.ToList();
    }

    /// <summary>src/E3Sharp's sources with what E3Sharp's generators add (the tracing twins the sources call), against
    /// the test's own references (TorchSharp included) without E3Sharp.dll; and the hand-written trees.</summary>
    private static (Compilation Compilation, IReadOnlyList<SyntaxTree> Sources) LibraryCompilation([CallerFilePath] string testFile = "")
    {
        var src = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(testFile)!, "..", "..", "src", "E3Sharp"));
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsUnder(src, f, "obj") && !IsUnder(src, f, "bin") && !IsUnder(src, f, "buildTransitive"))
            .Select(f => (Path: f, Source: File.ReadAllText(f)))
            .ToArray();
        Assert.True(files.Length > 100, $"found only {files.Length} source files under {src}");
        var compilation = GeneratorHarness.Compile(files);
        compilation = compilation
            .RemoveReferences(compilation.References.Where(r => Path.GetFileName(r.Display) is "E3Sharp.dll"))
            .WithOptions(compilation.Options.WithAllowUnsafe(true));
        // The only errors allowed are partial methods that source generators (Regex) implement at build time: anything
        // else means the scan binds the code wrongly and could miss conversions.
        var driver = CSharpGeneratorDriver.Create(
            [new Generators.Tracing.TwinGenerator().AsSourceGenerator(), new ScriptGenerator().AsSourceGenerator()],
            parseOptions: GeneratorHarness.ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").ToList();
        Assert.True(errors.Count == 0, "src/E3Sharp does not bind without its build:\n" + string.Join("\n", errors.Take(10)));
        return (output, compilation.SyntaxTrees.ToList());
    }

    private static bool IsUnder(string root, string file, string folder) =>
        Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar).Contains(folder);

    /// <summary>TorchSharp members whose IL converts a number to a Scalar (or reads a tensor through one) and never disposes
    /// it, directly or through another member of <c>torch</c> or <c>Tensor</c>.</summary>
    private static class TorchSharpMembers
    {
        private static readonly Module TorchSharp = typeof(global::TorchSharp.Scalar).Module;
        private static readonly Dictionary<int, bool> Known = Exempt();

        // Known gaps (docs/errors-and-limits.md), where TorchSharp has no overload taking held Scalars: add without alpha
        // passes an unheld alpha of 1, and so does every tensor '+' (holding it would mean writing each sum as
        // add(x, y, one), which also changes the traced code); softplus(beta, threshold) converts both.
        private static Dictionary<int, bool> Exempt() => typeof(global::TorchSharp.torch.Tensor).GetMethods()
            .Where(m => (m.Name is "add" or "add_" && m.GetParameters().Length == 1) || m.Name == "softplus")
            .ToDictionary(m => m.MetadataToken, _ => false);

        public static bool CreateUnheldScalar(IMethodSymbol member)
        {
            var definition = (member.ReducedFrom ?? member).OriginalDefinition;
            if (definition.ContainingAssembly?.Name != "TorchSharp")
            {
                return false;
            }

            lock (Known)
            {
                return Creates(definition.MetadataToken, depth: 2);
            }
        }

        private static bool Creates(int token, int depth)
        {
            if (Known.TryGetValue(token, out var known))
            {
                return known;
            }

            bool creates = false, disposes = false;
            var il = Body(TryResolve(token));
            for (var i = 0; i + 4 < il.Length; i++)
            {
                // call / callvirt <method token>; other bytes that happen to equal these opcodes resolve to nothing or
                // to unrelated members, and a false match can only flag more, never hide a site.
                if (il[i] is not (0x28 or 0x6F) || TryResolve(BitConverter.ToInt32(il, i + 1)) is not { } callee)
                {
                    continue;
                }

                var type = callee.DeclaringType?.Name;
                creates |= (type == "Scalar" && callee.Name == "op_Implicit") || callee.Name == "ToScalar" ||
                    (depth > 0 && callee.Module == TorchSharp && type is "Tensor" or "torch" && Creates(callee.MetadataToken, depth - 1));
                disposes |= type == "Scalar" && callee.Name == "Dispose";
            }

            var result = creates && !disposes;
            if (depth == 2)
            {
                Known[token] = result;
            }

            return result;
        }

        // TorchSharp's members may name assemblies this test does not load (Google.Protobuf, SharpZipLib): such a member
        // is not one the library calls.
        private static MethodBase? TryResolve(int token)
        {
            try
            {
                return TorchSharp.ResolveMethod(token);
            }
            catch (Exception e) when (e is ArgumentException or BadImageFormatException or IOException or TypeLoadException)
            {
                return null;
            }
        }

        private static byte[] Body(MethodBase? method)
        {
            try
            {
                return method?.GetMethodBody()?.GetILAsByteArray() ?? [];
            }
            catch (Exception e) when (e is IOException or TypeLoadException)
            {
                return [];
            }
        }
    }
}
