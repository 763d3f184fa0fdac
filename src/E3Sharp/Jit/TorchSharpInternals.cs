using System.Reflection;
using TorchSharp;

namespace E3Sharp.Jit;

/// <summary>
/// The one place where E3Sharp reads TorchSharp internals (by reflection). TorchSharp 0.107's <c>named_buffers</c>
/// skips non-persistent buffers even when asked for them, and <c>Module.Dispose</c> walks <c>named_buffers</c>, so
/// non-persistent buffers (the constants E3Sharp's modules derive: CG blocks, index tables) would be neither traced
/// as buffers nor disposed. They are read from the module's registry, the private field <c>_internal_buffers</c>
/// (an ordered dictionary of name -> (tensor, persistent)). <c>TorchSharpInternalsTests</c> fails if a TorchSharp
/// update moves it; without it, non-persistent buffers are left out (traced as folded constants, freed by the GC).
/// </summary>
internal static class TorchSharpInternals
{
    private static readonly FieldInfo? InternalBuffers =
        typeof(torch.nn.Module).GetField("_internal_buffers", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Whether the buffer registry can be read (TorchSharp as expected).</summary>
    public static bool CanReadBufferRegistry =>
        InternalBuffers is not null &&
        typeof(IEnumerable<(string, (torch.Tensor, bool))>).IsAssignableFrom(InternalBuffers.FieldType);

    /// <summary>The module's own buffers (not its children's), persistent or not, with the persistent flag.</summary>
    public static IEnumerable<(string Name, torch.Tensor Buffer, bool Persistent)> OwnBuffers(torch.nn.Module module)
    {
        if (InternalBuffers?.GetValue(module) is not IEnumerable<(string, (torch.Tensor, bool))> registry)
        {
            yield break;
        }

        foreach (var (name, (tensor, persistent)) in registry.ToArray())
        {
            if (tensor is not null)
            {
                yield return (name, tensor, persistent);
            }
        }
    }

    /// <summary>Removes the module's own buffer <paramref name="name"/> from its registry (TorchSharp has no
    /// unregister) and returns it, or null when it has none of that name.</summary>
    public static torch.Tensor? RemoveBuffer(torch.nn.Module module, string name)
    {
        if (InternalBuffers?.GetValue(module) is not IDictionary<string, (torch.Tensor, bool)> registry
            || !registry.TryGetValue(name, out var entry))
        {
            return null;
        }

        registry.Remove(name);
        return entry.Item1;
    }

    /// <summary>Every buffer of the module tree, persistent or not, with its path.</summary>
    public static IEnumerable<(string Name, torch.Tensor Buffer)> AllBuffers(torch.nn.Module root)
    {
        var seen = new HashSet<torch.Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (name, b) in root.named_buffers())
        {
            if (seen.Add(b))
            {
                yield return (name, b);
            }
        }

        foreach (var (prefix, module) in root.named_modules().Prepend(("", root)))
        {
            foreach (var (name, tensor, _) in OwnBuffers(module))
            {
                if (!tensor.IsInvalid && seen.Add(tensor))
                {
                    yield return (prefix.Length == 0 ? name : prefix + "." + name, tensor);
                }
            }
        }
    }

    /// <summary>Disposes the module's own non-persistent buffers (which <c>Module.Dispose</c> misses). Call from
    /// <c>Dispose(bool)</c> before the base class's.</summary>
    public static void DisposeNonPersistentBuffers(torch.nn.Module module)
    {
        foreach (var (_, tensor, persistent) in OwnBuffers(module))
        {
            if (!persistent && !tensor.IsInvalid)
            {
                tensor.Dispose();
            }
        }
    }
}
