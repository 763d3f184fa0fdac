using E3Sharp.Jit.Pickle;

namespace E3Sharp.Jit.Pickle.Tree;

/// <summary>
/// Writes a <see cref="PickleNode"/> tree as protocol 2 with only the opcodes LibTorch's unpickler accepts; nodes
/// referenced more than once are memoized (BINPUT/BINGET), so shared values stay shared.
/// </summary>
internal static class PickleTreeWriter
{
    /// <summary>Writes the pickle.</summary>
    /// <param name="root">The value.</param>
    public static byte[] Write(PickleNode root)
    {
        var counts = new Dictionary<PickleNode, int>(ReferenceEqualityComparer.Instance);
        Count(root, counts);
        var w = new PickleWriter();
        var memo = new Dictionary<PickleNode, int>(ReferenceEqualityComparer.Instance);
        WriteNode(w, root, counts, memo);
        return w.Finish();
    }

    private static void Count(PickleNode node, Dictionary<PickleNode, int> counts)
    {
        var n = counts.GetValueOrDefault(node);
        counts[node] = n + 1;
        if (n == 0)
        {
            foreach (var c in node.Children)
            {
                Count(c, counts);
            }
        }
    }

    private static void WriteNode(PickleWriter w, PickleNode node, Dictionary<PickleNode, int> counts, Dictionary<PickleNode, int> memo)
    {
        if (memo.TryGetValue(node, out var index))
        {
            if (index < 256)
            {
                w.Op(PickleOpcodes.BinGet);
                w.Op((byte)index);
            }
            else
            {
                w.Op(PickleOpcodes.LongBinGet);
                WriteUInt32(w, (uint)index);
            }

            return;
        }

        switch (node)
        {
            case PickleScalar s:
                switch (s.Value)
                {
                    case null:
                        w.None();
                        break;
                    case bool b:
                        w.Bool(b);
                        break;
                    case long l:
                        w.Int(l);
                        break;
                    case double d:
                        w.Float(d);
                        break;
                    case string str:
                        w.String(str);
                        break;
                    default:
                        throw new InvalidOperationException($"Cannot pickle a {s.Value.GetType().Name}.");
                }

                break;
            case PickleTuple t:
                if (t.Items.Count == 0)
                {
                    w.EmptyTuple();
                }
                else
                {
                    w.Mark();
                    foreach (var i in t.Items)
                    {
                        WriteNode(w, i, counts, memo);
                    }

                    w.Tuple();
                }

                break;
            case PickleList l:
                w.EmptyList();
                if (l.Items.Count > 0)
                {
                    w.Mark();
                    foreach (var i in l.Items)
                    {
                        WriteNode(w, i, counts, memo);
                    }

                    w.Appends();
                }

                break;
            case PickleDict d:
                w.EmptyDict();
                if (d.Items.Count > 0)
                {
                    w.Mark();
                    foreach (var (k, v) in d.Items)
                    {
                        WriteNode(w, k, counts, memo);
                        WriteNode(w, v, counts, memo);
                    }

                    w.SetItems();
                }

                break;
            case PickleGlobal g:
                w.Global(g.Module, g.Name);
                break;
            case PickleCall c:
                WriteNode(w, c.Callable, counts, memo);
                WriteNode(w, c.Args, counts, memo);
                if (c.IsNewObj)
                {
                    w.NewObj();
                }
                else
                {
                    w.Reduce();
                }

                if (c.State is not null)
                {
                    WriteNode(w, c.State, counts, memo);
                    w.Build();
                }

                break;
            case PicklePersistentId p:
                WriteNode(w, p.Id, counts, memo);
                w.BinPersId();
                break;
            default:
                throw new InvalidOperationException($"Cannot pickle a {node.GetType().Name}.");
        }

        if (counts.GetValueOrDefault(node) > 1 && node is not PickleGlobal and not PickleScalar)
        {
            var i = memo.Count;
            memo[node] = i;
            if (i < 256)
            {
                w.Op(PickleOpcodes.BinPut);
                w.Op((byte)i);
            }
            else
            {
                w.Op(PickleOpcodes.LongBinPut);
                WriteUInt32(w, (uint)i);
            }
        }
    }

    private static void WriteUInt32(PickleWriter w, uint v)
    {
        w.Op((byte)v);
        w.Op((byte)(v >> 8));
        w.Op((byte)(v >> 16));
        w.Op((byte)(v >> 24));
    }
}
