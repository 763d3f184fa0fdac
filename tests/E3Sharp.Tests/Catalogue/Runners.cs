using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Catalogue;

/// <summary>A module made runnable by a <see cref="Runner"/>.</summary>
/// <param name="Run">Calls the module's forward on tensors and returns its outputs.</param>
/// <param name="Archive">The TorchScript archive (compiled runners), else null.</param>
/// <param name="Script">The ScriptModule that runs (compiled runners), else null.</param>
public sealed record Prepared(Func<Tensor[], Tensor[]> Run, byte[]? Archive, jit.ScriptModule? Script);

/// <summary>Prepares a module for each <see cref="Runner"/>.</summary>
public static class Runners
{
    /// <summary>All runners, for MemberData.</summary>
    public static readonly Runner[] All = Enum.GetValues<Runner>();

    /// <summary>
    /// Prepares <paramref name="module"/> for <paramref name="runner"/>. PyTorch runs the reloaded archive here too
    /// (so a recorded case is known to hold in LibTorch before PyTorch 1.13 checks it); the test records the case
    /// with <see cref="Interop"/>.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="runner">How to run it.</param>
    /// <param name="examples">Example inputs, for tracing a module that cannot make its own (no ITracingInputs).</param>
    public static Prepared Prepare(nn.Module module, Runner runner, Tensor[] examples)
    {
        if (runner == Runner.Eager)
        {
            return new Prepared(args => E3Sharp.Testing.ModuleInvoker.Invoke(module, args), null, null);
        }

        var compiled = module is ITracingInputs ? TorchScript.Compile(module) : TorchScript.Trace(module, examples);
        if (runner == Runner.Compiled)
        {
            return new Prepared(args => E3Sharp.Testing.ModuleInvoker.Invoke(compiled, args), null, compiled);
        }

        var path = Path.Combine(Path.GetTempPath(), $"e3sharp-catalogue-{Guid.NewGuid():N}.pt");
        try
        {
            TorchScript.Save(compiled, path);
            var archive = File.ReadAllBytes(path);
            var loaded = jit.load(path);
            return new Prepared(args => E3Sharp.Testing.ModuleInvoker.Invoke(loaded, args), archive, loaded);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The interop record name of a case (ASCII letters, digits, '_', '-', '.').</summary>
    public static string RecordName(string check, string id, ScalarType dtype) =>
        "catalogue_" + check + "_" + new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '.').ToArray())
        + (dtype == ScalarType.Float64 ? "_f64" : "_f32");
}
