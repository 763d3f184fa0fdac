using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Builds a <see cref="TensorProductPlan"/> from a tensor product's irreps, normalised instructions and weight
/// sharing: which <c>"uvw"</c> paths fuse into groups (and which of those evaluate scalar-first or merge without
/// autograd), which paths run on their own, the output layout, and the constants each formulation reads.
/// </summary>
internal sealed partial class TensorProductPlanBuilder
{
    // Largest total dimension of the first-input irreps of one fused group: Ī, the irreps stacked for the per-sample
    // products (dense over them: a path only uses its own irrep's I of the Ī columns), plus a scalar-first irrep's 1.
    private const int MaxFusedDim = 16;

    private readonly Irreps _in1;
    private readonly Irreps _in2;
    private readonly Irreps _out;
    private readonly IReadOnlyList<Instruction> _instructions;
    private readonly bool _sharedWeights;
    private readonly int _weightNumel;
    private readonly ConstantSet _constants = new();
    private readonly Dictionary<int, double[]> _pathCg = new();
    // Each instruction's index among the weighted instructions' blocks: the part of the weights' split that is its
    // block.
    private readonly int[] _weightParts;

    private TensorProductPlanBuilder(Irreps in1, Irreps in2, Irreps out_, IReadOnlyList<Instruction> instructions,
        bool sharedWeights)
    {
        _in1 = in1;
        _in2 = in2;
        _out = out_;
        _instructions = instructions;
        _sharedWeights = sharedWeights;
        _weightNumel = instructions.Where(i => i.HasWeight).Sum(i => i.PathNumel);
        _weightParts = new int[instructions.Count];
        for (int n = 0, part = 0; n < instructions.Count; n++)
        {
            _weightParts[n] = part;
            if (instructions[n].HasWeight) part++;
        }
    }

    /// <summary>The plan of a tensor product.</summary>
    /// <param name="in1">Irreps of the first input.</param>
    /// <param name="in2">Irreps of the second input.</param>
    /// <param name="out_">Irreps of the output.</param>
    /// <param name="instructions">The instructions with path shapes and normalised path weights.</param>
    /// <param name="sharedWeights">Whether one weight vector serves the whole batch.</param>
    public static TensorProductPlan Build(Irreps in1, Irreps in2, Irreps out_, IReadOnlyList<Instruction> instructions,
        bool sharedWeights)
    {
        var builder = new TensorProductPlanBuilder(in1, in2, out_, instructions, sharedWeights);
        var (outputs, fused, channel) = builder.BuildPlan();
        var permutation = builder.AddOutputPermutation(outputs);
        var mergeable = fused.Any(g => g.Merged is not null) && fused.All(g => g.Merged is not null || g.Owners.Length == 0);
        var scatter = fused.Length == 0 && permutation is null ? builder.AddScatterPermutation(outputs, channel.Groups) : null;
        return new TensorProductPlan(outputs, fused, permutation, mergeable,
            builder.ChunkValuesPerRow(outputs, fused, channel.Groups), builder._constants, channel.Groups,
            channel.UvuCg, channel.UvuSizes, scatter);
    }

    // Values one row of a forward holds (inputs, intermediates, output); the plan fixes it, the dtype sets the bytes.
    private long ChunkValuesPerRow(OutputPlan[] outputs, FusedGroup[] fused, ChannelGroup[] channel)
    {
        var perRow = (long)(_in1.Dim + _in2.Dim + 2 * _out.Dim);
        foreach (var g in fused)
        {
            // Stacked x1, the operators, each owner's product (a guest's rows copied out of it), Y and the scalar-first
            // terms, and the mixed outputs.
            perRow += g.IBar * g.U + g.CgSizes.Sum() + g.ScalarWidth
                      + g.Outputs.Sum(o => (o.Host < 0 ? o.K * o.Slots : o.V) * g.U + (o.R > 0 ? 2 : 1) * o.K * o.W);
        }
        foreach (var op in outputs)
        {
            perRow += op.Uvw.Sum(gr => gr.Mul1 * gr.V * op.Dim) + op.Others.Sum(p => p.Mul1 * p.Mul2 * op.Dim);
        }
        foreach (var g in channel)
        {
            // The operator or outer product, the group's product and the weighted outputs.
            perRow += (g.Mode == "uvu" ? g.I * g.KSizes.Sum() : g.U * (g.I * g.J + g.J)) + 2 * g.Columns;
        }
        if (!_sharedWeights) perRow += _weightNumel;
        return perRow;
    }

    // The gather from the concatenated outputs (k-major ones as [K, w]) to e3nn's layout, or null when none is
    // k-major.
    private string? AddOutputPermutation(OutputPlan[] outputs)
    {
        if (!outputs.Any(op => op.KMajor)) return null;
        var index = new List<long>();
        long start = 0;
        foreach (var op in outputs)
        {
            for (long a = 0; a < op.Mul; a++)
            {
                for (long k = 0; k < op.Dim; k++) index.Add(start + (op.KMajor ? k * op.Mul + a : a * op.Dim + k));
            }
            start += op.Mul * op.Dim;
        }
        return _constants.AddIndex("out_perm", index.ToArray());
    }

    // For TensorProduct.ScatterSum: the gather from the channel groups' columns summed per node (each group's [u, ΣK]
    // one after another) to e3nn's layout, when every output irrep is one path of a group weighed at once; else null.
    private string? AddScatterPermutation(OutputPlan[] outputs, ChannelGroup[] groups)
    {
        if (groups.Length == 0 || groups.Any(g => !g.WeighedAtOnce) ||
            outputs.Any(op => op.Uvw.Length > 0 || op.Others.Length > 0 || op.Fused))
        {
            return null;
        }
        var columns = new Dictionary<int, long[]>();
        long offset = 0;
        foreach (var g in groups)
        {
            // Block n of the group's layout (Layout, or the columns themselves for one path), shifted to the group.
            var layout = g.Layout is { } name ? _constants.IndexValues(name) : null;
            long start = 0;
            for (var n = 0; n < g.Paths.Length; n++)
            {
                var block = new long[g.BlockSizes[n]];
                for (var c = 0; c < block.Length; c++) block[c] = offset + (layout?[(int)start + c] ?? start + c);
                if (!columns.TryAdd(g.Paths[n].IOut, block)) return null;                       // two paths, one output
                start += block.Length;
            }
            offset += g.Columns;
        }
        if (outputs.Any(op => !columns.ContainsKey(op.IOut))) return null;
        return _constants.AddIndex("scatter_perm", outputs.SelectMany(op => columns[op.IOut]).ToArray());
    }

    private (OutputPlan[] Plan, FusedGroup[] Fused, (ChannelGroup[] Groups, string? UvuCg, long[] UvuSizes) Channel)
        BuildPlan()
    {
        var weightOffsets = new int[_instructions.Count];
        var offset = 0;
        for (var n = 0; n < _instructions.Count; n++)
        {
            weightOffsets[n] = offset;
            if (_instructions[n].HasWeight) offset += _instructions[n].PathNumel;
        }

        PathPlan MakePath(int n, string? cgName)
        {
            var ins = _instructions[n];
            var (m1, ir1) = _in1[ins.IIn1];
            var (m2, ir2) = _in2[ins.IIn2];
            string? triu = null;
            if (ins.ConnectionMode is "uvu<v" or "u<vw")
            {
                var idx = new List<long>();
                for (var u = 0; u < m1; u++)
                {
                    for (var v = u + 1; v < m2; v++) idx.Add(u * m2 + v);
                }
                triu = _constants.AddIndex($"triu_{n}", idx.ToArray());
            }
            var z = _sharedWeights ? "" : "...";
            string? equation = ins.ConnectionMode switch
            {
                "uuw" => $"...uk,{z}uw->...wk",
                "uvu" => $"...uvk,{z}uv->...uk",
                "uvv" => $"...uvk,{z}uv->...vk",
                "u<vw" => $"...qk,{z}qw->...wk",
                _ => null,
            };
            return new PathPlan(
                ins.ConnectionMode, ins.HasWeight, weightOffsets[n], ins.PathNumel, _weightParts[n],
                ins.PathShape.Select(s => (long)s).ToArray(),
                ins.IIn1, m1, ir1.Dim, ins.IIn2, m2, ir2.Dim,
                cgName ?? "", triu, equation);
        }

        bool Active(Instruction ins) =>
            ins.IOut < _out.Length && _out[ins.IOut].Mul > 0 && !ins.PathShape.Contains(0)
            && _in1[ins.IIn1].Mul > 0 && _in2[ins.IIn2].Mul > 0;

        // Fused groups: "uvw" paths with first-input multiplicity u over a few first-input irreps ("blocks") whose
        // dimensions add up to at most MaxFusedDim. The dense blocks of x1 (all but a scalar-first one, see FuseGroup),
        // transposed and stacked, form Xc [..., Ī, u]. One product of x2 with a constant holding every path's
        // path-weighted CG gives, per output irrep o, an operator M_o [..., K·V, Ī] (rows: output component k, then the
        // second-input multiplicities v of o's dense paths), so M_o · Xc is [..., K, V·u] — contiguous, the operand of
        // one product with o's stacked weights [V·u, w].
        var fused = new List<FusedGroup>();
        var fusedInstructions = new HashSet<int>();
        var uvw = Enumerable.Range(0, _instructions.Count)
            .Where(n => _instructions[n].ConnectionMode == "uvw" && Active(_instructions[n])).ToList();
        foreach (var byMul in uvw.GroupBy(n => _in1[_instructions[n].IIn1].Mul))
        {
            var u = byMul.Key;
            var chunks = new List<List<int>>();
            long chunkDim = 0;
            foreach (var b in byMul.Select(n => _instructions[n].IIn1).Distinct().OrderBy(b => b))
            {
                var d = _in1[b].Ir.Dim;
                if (chunks.Count == 0 || chunkDim + d > MaxFusedDim)
                {
                    chunks.Add(new List<int>());
                    chunkDim = 0;
                }
                chunks[^1].Add(b);
                chunkDim += d;
            }
            foreach (var chunk in chunks)
            {
                var group = FuseGroup(u, chunk, byMul.Where(n => chunk.Contains(_instructions[n].IIn1)).ToList(),
                    fused.Count, weightOffsets);
                if (group is null) continue;
                fused.Add(group);
                foreach (var slot in group.Outputs)
                {
                    foreach (var n in slot.Instructions) fusedInstructions.Add(n);
                }
            }
        }

        // Channel-wise groups ("uvu" with second-input multiplicity 1, "uuu"): the other paths' fastest form.
        var channel = BuildChannelGroups(Enumerable.Range(0, _instructions.Count)
            .Where(n => !fusedInstructions.Contains(n) && Active(_instructions[n])), weightOffsets);
        var channelInstructions = channel.Item1.SelectMany(g => g.Paths).Select(p => p.Instruction).ToHashSet();

        var plans = new List<OutputPlan>();
        for (var o = 0; o < _out.Length; o++)
        {
            var (mo, irO) = _out[o];
            if (mo == 0) continue;
            // Unfused "uvw" paths by first-input irrep, in order of first appearance.
            var groups = new List<(int IIn1, long Mul1, long Dim1, List<PathPlan> Paths)>();
            var others = new List<PathPlan>();
            var anyWeighted = false;
            for (var n = 0; n < _instructions.Count; n++)
            {
                var ins = _instructions[n];
                if (ins.IOut != o || !Active(ins)) continue;
                anyWeighted |= ins.HasWeight;
                if (fusedInstructions.Contains(n) || channelInstructions.Contains(n)) continue;
                var (m1, ir1) = _in1[ins.IIn1];
                var ir2 = _in2[ins.IIn2].Ir;
                var path = MakePath(n, AddCg(n, ir1, ir2, irO, ins.PathWeight));
                if (ins.ConnectionMode == "uvw")
                {
                    var g = groups.FindIndex(gr => gr.IIn1 == ins.IIn1);
                    if (g < 0)
                    {
                        groups.Add((ins.IIn1, m1, ir1.Dim, new List<PathPlan>()));
                        g = groups.Count - 1;
                    }
                    groups[g].Paths.Add(path);
                }
                else
                {
                    others.Add(path);
                }
            }
            var fusedHere = fused.Any(g => g.Outputs.Any(slot => slot.IOut == o));
            var channelHere = channel.Item1.Any(g => g.Paths.Any(p => p.IOut == o));
            plans.Add(new OutputPlan(o, mo, irO.Dim,
                groups.Select(g => new UvwGroup(g.IIn1, g.Mul1, g.Dim1, g.Paths.ToArray())).ToArray(), fusedHere,
                others.ToArray(), anyWeighted, channelHere));
        }
        return (plans.ToArray(), fused.ToArray(), channel);
    }

    // Position in the flat weight vector of instruction n's weight (u = a, v, w): e3nn's row-major [u, v, w] block
    // at the instruction's offset.
    private long WeightAt(int[] weightOffsets, int n, long a, long v, long w) =>
        weightOffsets[n] + (a * _in2[_instructions[n].IIn2].Mul + v) * _out[_instructions[n].IOut].Mul + w;

    // Writes instruction n's pw · C into a [D2, cols] constant: row (its second-input irrep's row v·J + j), column
    // column(k, v) + the first-input irrep's offset in the group + i.
    private void ScatterPathCg(double[] cg, long cols, int n, Dictionary<int, long> blockOffset, Func<long, long, long> column)
    {
        var ins = _instructions[n];
        var (m2, ir2) = _in2[ins.IIn2];
        int di = _in1[ins.IIn1].Ir.Dim, dj = ir2.Dim, dk = _out[ins.IOut].Ir.Dim;
        var start = _in2.Slices()[ins.IIn2].Start;
        var c = PathCg(n);
        for (var v = 0; v < m2; v++)
        {
            for (var i = 0; i < di; i++)
            {
                for (var j = 0; j < dj; j++)
                {
                    for (var k = 0; k < dk; k++)
                    {
                        var col = column(k, v) + blockOffset[ins.IIn1] + i;
                        cg[(start + v * dj + j) * cols + col] = c[(i * dj + j) * dk + k];
                    }
                }
            }
        }
    }

    // Instruction n's pw · C (Cg), computed once for the fused and the merged constants (while the plan is built).
    private double[] PathCg(int n)
    {
        if (!_pathCg.TryGetValue(n, out var c))
        {
            var ins = _instructions[n];
            c = Cg(_in1[ins.IIn1].Ir, _in2[ins.IIn2].Ir, _out[ins.IOut].Ir, ins.PathWeight);
            _pathCg[n] = c;
        }

        return c;
    }

    // pw · C[i, j, k] (row-major [I, J, K]) in double precision.
    private static double[] Cg(Irrep ir1, Irrep ir2, Irrep irO, double pathWeight)
    {
        using var c = Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64);
        var values = c.data<double>().ToArray();
        for (var i = 0; i < values.Length; i++) values[i] *= pathWeight;
        return values;
    }

    // pw · C[i, j, k] stored as a [J, I*K] matrix (row j, column i*K + k).
    private string AddCg(int n, Irrep ir1, Irrep ir2, Irrep irO, double pathWeight)
    {
        using var c = Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64);
        var values = c.data<double>().ToArray();
        int di = ir1.Dim, dj = ir2.Dim, dk = irO.Dim;
        var m = new double[dj * di * dk];
        for (var i = 0; i < di; i++)
        {
            for (var j = 0; j < dj; j++)
            {
                for (var k = 0; k < dk; k++)
                {
                    m[j * di * dk + i * dk + k] = pathWeight * values[(i * dj + j) * dk + k];
                }
            }
        }
        return _constants.AddFloat($"cg_{n}", m, dj, di * dk);
    }
}
