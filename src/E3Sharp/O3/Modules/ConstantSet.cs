using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Construction-time constants of a module (Clebsch–Gordan blocks with folded path weights, index tables), kept in
/// double precision on the managed side and materialised as non-persistent buffers of the module's dtype and device.
/// Rebuilding them from the double values when the module is converted (<c>.to(float64)</c>) keeps float64 modules
/// exact even when they were built in float32.
/// </summary>
internal sealed class ConstantSet
{
    private readonly List<Entry> _entries = new();

    private sealed record Entry(string Name, double[]? Values, long[]? Indices, long[] Shape);

    /// <summary>The registered names, in order.</summary>
    public IEnumerable<string> Names => _entries.Select(e => e.Name);

    /// <summary>Adds a floating constant; returns its buffer name.</summary>
    public string AddFloat(string name, double[] values, params long[] shape)
    {
        _entries.Add(new Entry(name, values, null, shape));
        return name;
    }

    /// <summary>Adds an int64 constant (an index table); returns its buffer name.</summary>
    public string AddIndex(string name, long[] values)
    {
        _entries.Add(new Entry(name, null, values, new long[] { values.Length }));
        return name;
    }

    /// <summary>Creates the tensors of every constant for <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> Materialize(ScalarType dtype, Device device)
    {
        foreach (var e in _entries)
        {
            var t = e.Values is not null
                ? tensor(e.Values, e.Shape, dtype, device)
                : tensor(e.Indices!, e.Shape, ScalarType.Int64, device);
            yield return (e.Name, t.DetachFromDisposeScope());
        }
    }

    /// <summary>
    /// Materialises every constant for <paramref name="dtype"/> on <paramref name="device"/> and registers it with
    /// <paramref name="register"/> (a module's non-persistent buffer registration), disposing the tensor it replaces.
    /// Used at construction and again when the module is converted with <c>.to(...)</c>.
    /// </summary>
    /// <param name="current">The module's current buffer of a name, or null.</param>
    /// <param name="register">Registers or replaces the buffer.</param>
    /// <param name="dtype">The floating dtype.</param>
    /// <param name="device">The device.</param>
    public void RegisterInto(Func<string, Tensor?> current, Action<string, Tensor> register, ScalarType dtype, Device device)
    {
        foreach (var (name, t) in Materialize(dtype, device))
        {
            var old = current(name);
            register(name, t);
            old?.Dispose();
        }
    }
}
