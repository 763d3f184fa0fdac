using System.Text;
using E3Sharp.Jit.Serialization;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// The TorchScript source of a compiled module and all its submodules, as the module's archive holds it (e3nn's
    /// guide prints <c>mod.code</c>; this gives every class, not only the top <c>forward</c>): each file
    /// <c>code/__torch__/....py</c> in path order, preceded by a <c># code/__torch__/....py</c> line.
    /// </summary>
    /// <param name="compiled">A module returned by <see cref="Compile(torch.nn.Module, int, bool)"/>,
    /// <see cref="Script(torch.nn.Module, bool)"/> or <see cref="Trace(torch.nn.Module, torch.Tensor[])"/>, or one
    /// loaded with <c>torch.jit.load</c>.</param>
    /// <returns>The source text (Python syntax, TorchScript's dialect).</returns>
    /// <example>
    /// <code>
    /// var compiled = TorchScript.Compile(new Norm(new Irreps("2x0e + 1x1o")));
    /// Console.WriteLine(TorchScript.Code(compiled));
    /// // # code/__torch__/E3Sharp/O3/Modules.py
    /// // class Norm(Module):
    /// //   def forward(self: __torch__.E3Sharp.O3.Modules.Norm, x: Tensor) -> Tensor: ...
    /// </code>
    /// </example>
    public static string Code(torch.jit.ScriptModule compiled)
    {
        var sb = new StringBuilder();
        foreach (var (path, text) in CodeFiles(compiled))
        {
            sb.Append("# ").Append(path).Append('\n').Append(text.TrimEnd('\n')).Append("\n\n");
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>
    /// The TorchScript source files of a compiled module's archive, by path inside the archive's root folder
    /// (<c>code/__torch__/a.py</c>), in path order: see <see cref="Code(torch.jit.ScriptModule)"/>.
    /// </summary>
    /// <param name="compiled">A compiled or loaded TorchScript module.</param>
    /// <returns>Path to source text.</returns>
    public static IReadOnlyList<KeyValuePair<string, string>> CodeFiles(torch.jit.ScriptModule compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        // LibTorch writes the archive as torch.jit.save would: the code PyTorch shows for the same module.
        var contents = TorchScriptArchiveReader.Read(TorchScriptArchive.SaveToBytes(compiled));
        return contents.Code.Where(kv => kv.Key.EndsWith(".py", StringComparison.Ordinal))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToList();
    }
}
