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

    /// <summary>The values of the index constant <paramref name="name"/>.</summary>
    public IReadOnlyList<long> IndexValues(string name) =>
        _entries.First(e => e.Name == name).Indices ?? throw new ArgumentException($"{name} is not an index constant.", nameof(name));

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

    private static Tensor Materialize(Entry e, ScalarType dtype, Device device)
    {
        var t = e.Values is not null
            ? tensor(e.Values, e.Shape, dtype, device)
            : tensor(e.Indices!, e.Shape, ScalarType.Int64, device);
        return t.DetachFromDisposeScope();
    }

    /// <summary>
    /// The one rule for a module's constants at construction and after <c>.to(...)</c>: every constant the module
    /// needs in <paramref name="dtype"/> (<paramref name="held"/>; all when null) is materialised from its double
    /// values on <paramref name="device"/> and registered with <paramref name="register"/> (a module's non-persistent
    /// buffer registration), disposing the tensor it replaces; the others are removed, so that a module holds only the
    /// constants of the formulations it runs in its dtype.
    /// </summary>
    /// <param name="module">The module whose buffers these are.</param>
    /// <param name="register">Registers or replaces a buffer.</param>
    /// <param name="dtype">The floating dtype.</param>
    /// <param name="device">The device.</param>
    /// <param name="held">Whether a module of a dtype needs a constant, or null for all.</param>
    public void RegisterInto(nn.Module module, Action<string, Tensor> register, ScalarType dtype, Device device,
        Func<string, ScalarType, bool>? held = null)
    {
        foreach (var e in _entries)
        {
            var old = module.get_buffer(e.Name);
            if (held is null || held(e.Name, dtype))
            {
                register(e.Name, Materialize(e, dtype, device));
            }
            else
            {
                E3Sharp.Jit.TorchSharpInternals.RemoveBuffer(module, e.Name);
            }
            old?.Dispose();
        }
    }
}
