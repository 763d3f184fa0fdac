using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// The tensor state (parameters, buffers) and training flags of a module tree, saved before compiling and put back
    /// afterwards, so that <c>Compile(inPlace: false)</c> leaves the original exactly as it was even when tracing ran
    /// a forward that updates state (running averages, counters kept in buffers).
    /// </summary>
    internal sealed class StateSnapshot : IDisposable
    {
        private readonly List<(torch.Tensor Live, torch.Tensor Saved)> _tensors = [];
        private readonly List<(torch.nn.Module Module, bool Training)> _training = [];

        private StateSnapshot()
        {
        }

        public static StateSnapshot Take(torch.nn.Module module)
        {
            var s = new StateSnapshot();
            using var noGrad = torch.no_grad();
            var seen = new HashSet<torch.Tensor>(ReferenceEqualityComparer.Instance);
            foreach (var (_, p) in module.named_parameters())
            {
                if (seen.Add(p))
                {
                    s._tensors.Add((p, p.detach().clone().DetachFromDisposeScope()));
                }
            }

            foreach (var (_, b) in module.named_buffers())
            {
                if (seen.Add(b))
                {
                    s._tensors.Add((b, b.detach().clone().DetachFromDisposeScope()));
                }
            }

            s.AddTraining(module);
            return s;
        }

        private void AddTraining(torch.nn.Module module)
        {
            _training.Add((module, module.training));
            if (module is torch.jit.ScriptModule)
            {
                return;
            }

            foreach (var (_, child) in module.named_children())
            {
                AddTraining(child);
            }
        }

        /// <summary>Puts back every value that changed and every training flag (parents first, so children win).</summary>
        public void Restore()
        {
            using var noGrad = torch.no_grad();
            foreach (var (live, saved) in _tensors)
            {
                if (live.IsInvalid)
                {
                    continue;
                }

                if (!live.shape.SequenceEqual(saved.shape) || live.dtype != saved.dtype || !live.eq(saved).all().item<bool>())
                {
                    if (live.shape.SequenceEqual(saved.shape) && live.dtype == saved.dtype)
                    {
                        live.copy_(saved);
                    }
                    else
                    {
                        live.set_(saved.clone());
                    }
                }
            }

            foreach (var (module, training) in _training)
            {
                if (module.training != training)
                {
                    module.train(training);
                }
            }
        }

        public void Dispose()
        {
            foreach (var (_, saved) in _tensors)
            {
                saved.Dispose();
            }

            _tensors.Clear();
        }
    }

    /// <summary>
    /// For <c>inPlace</c>: every parameter and buffer of the original that the compiled module took over (found by
    /// identity in the IR) is made to share the compiled tensor's storage, so that training either updates both.
    /// </summary>
    private static void ShareState(torch.nn.Module original, ModuleInstance root, torch.jit.ScriptModule compiled)
    {
        var paths = new Dictionary<torch.Tensor, string>(ReferenceEqualityComparer.Instance);
        CollectTensorPaths(root, "", paths);
        var compiledTensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in compiled.named_parameters())
        {
            compiledTensors[name] = p;
        }

        foreach (var (name, b) in compiled.named_buffers())
        {
            compiledTensors[name] = b;
        }

        using var noGrad = torch.no_grad();
        foreach (var t in original.named_parameters().Select(p => (torch.Tensor)p.parameter).Concat(original.named_buffers().Select(b => b.buffer)))
        {
            if (paths.TryGetValue(t, out var path) && compiledTensors.TryGetValue(path, out var target) &&
                t.shape.SequenceEqual(target.shape) && t.dtype == target.dtype)
            {
                t.set_(target);
            }
        }
    }

    private static void CollectTensorPaths(ModuleInstance instance, string prefix, Dictionary<torch.Tensor, string> paths)
    {
        foreach (var decl in instance.Class.Attributes)
        {
            if (!instance.HasValue(decl.Name))
            {
                continue;
            }

            var value = instance.GetValue(decl.Name);
            if (decl.IsTensorState && value is torch.Tensor t)
            {
                paths.TryAdd(t, prefix + decl.Name);
            }
            else if (decl.Kind == AttributeKind.Submodule && value is ModuleInstance child)
            {
                CollectTensorPaths(child, prefix + decl.Name + ".", paths);
            }
        }
    }
}
