using System.Buffers.Binary;
using E3Sharp.Jit.Import;
using E3Sharp.Jit.Pickle.Tree;
using ZipWriter = E3Sharp.Jit.Serialization.ZipWriter;
using TorchScriptArchive = E3Sharp.Jit.Serialization.TorchScriptArchive;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// A copy of a compiled module whose floating parameters, buffers and constants are converted to
    /// <paramref name="dtype"/> (float32 or float64), with integer state (index tables) left as it is, as PyTorch's
    /// <c>module.to(dtype)</c> does. Use it instead of TorchSharp's <c>compiled.to(dtype)</c>: LibTorch C++'s
    /// <c>Module::to(dtype)</c> casts integer buffers too, after which <c>index_select</c> refuses the index tables.
    /// (TorchSharp cannot change a TorchScript buffer's dtype in place, so the archive is rewritten and loaded again.)
    /// </summary>
    /// <param name="compiled">A TorchScript module (compiled or loaded).</param>
    /// <param name="dtype"><see cref="torch.ScalarType.Float32"/> or <see cref="torch.ScalarType.Float64"/>.</param>
    /// <returns>The converted module (the original is unchanged).</returns>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is neither float32 nor float64.</exception>
    public static torch.jit.ScriptModule ToDtype(torch.jit.ScriptModule compiled, torch.ScalarType dtype) =>
        torch.jit.load(ConvertArchive(compiled, dtype));

    /// <summary>As <see cref="ToDtype(torch.jit.ScriptModule, torch.ScalarType)"/>, for a typed one-input module.</summary>
    /// <typeparam name="T">The input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="compiled">The module.</param>
    /// <param name="dtype">Float32 or Float64.</param>
    /// <returns>The converted module.</returns>
    public static torch.jit.ScriptModule<T, TResult> ToDtype<T, TResult>(torch.jit.ScriptModule<T, TResult> compiled, torch.ScalarType dtype) =>
        torch.jit.load<T, TResult>(ConvertArchive(compiled, dtype));

    /// <summary>As <see cref="ToDtype(torch.jit.ScriptModule, torch.ScalarType)"/>, for a typed two-input module.</summary>
    /// <typeparam name="T1">The first input type.</typeparam>
    /// <typeparam name="T2">The second input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="compiled">The module.</param>
    /// <param name="dtype">Float32 or Float64.</param>
    /// <returns>The converted module.</returns>
    public static torch.jit.ScriptModule<T1, T2, TResult> ToDtype<T1, T2, TResult>(
        torch.jit.ScriptModule<T1, T2, TResult> compiled, torch.ScalarType dtype) =>
        torch.jit.load<T1, T2, TResult>(ConvertArchive(compiled, dtype));

    private static byte[] ConvertArchive(torch.jit.ScriptModule compiled, torch.ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        var target = dtype switch
        {
            torch.ScalarType.Float32 => "FloatStorage",
            torch.ScalarType.Float64 => "DoubleStorage",
            _ => throw new ArgumentException($"TorchScript.ToDtype: {dtype} is not supported (Float32 or Float64).", nameof(dtype)),
        };

        var archive = ImportedArchive.Read(TorchScriptArchive.SaveToBytes(compiled), "the compiled module");
        var entries = new Dictionary<string, byte[]>(archive.Entries, StringComparer.Ordinal);
        var converted = new HashSet<string>(StringComparer.Ordinal);
        PickleNode? Convert(PickleNode node, string folder)
        {
            if (node is not PicklePersistentId { StorageKey: { } key, Id: PickleTuple id } ||
                id.Items[1] is not PickleGlobal { Module: "torch", Name: "FloatStorage" or "DoubleStorage" } storage ||
                storage.Name == target)
            {
                return null;
            }

            var path = folder + "/" + key;
            if (converted.Add(path))
            {
                entries[path] = storage.Name == "FloatStorage" ? FloatToDouble(entries[path]) : DoubleToFloat(entries[path]);
            }

            var items = id.Items.ToList();
            items[1] = new PickleGlobal("torch", target);
            return new PicklePersistentId(new PickleTuple(items));
        }

        var data = archive.Data.Copy(n => Convert(n, "data"), new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance));
        var constants = archive.Constants.Copy(n => Convert(n, "constants"), new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance));
        entries["data.pkl"] = PickleTreeWriter.Write(data);
        entries["constants.pkl"] = PickleTreeWriter.Write(constants);
        var zip = new ZipWriter();
        foreach (var (name, bytes) in entries.OrderBy(e => ImportSet.EntryOrder(e.Key)).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            zip.Add(archive.RootFolder + "/" + name, bytes);
        }

        return zip.Finish();
    }

    private static byte[] FloatToDouble(byte[] bytes)
    {
        var result = new byte[bytes.Length * 2];
        for (var i = 0; i < bytes.Length / 4; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(result.AsSpan(8 * i), BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i)));
        }

        return result;
    }

    private static byte[] DoubleToFloat(byte[] bytes)
    {
        var result = new byte[bytes.Length / 2];
        for (var i = 0; i < bytes.Length / 8; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(4 * i), (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 * i)));
        }

        return result;
    }
}
