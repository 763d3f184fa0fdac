namespace E3Sharp.O3.Modules;

// The channel-wise groups: "uvu" paths from a second-input irrep of multiplicity 1 and "uuu" paths, evaluated a
// group of paths at a time (TensorProduct.Channel.cs).
internal sealed partial class TensorProductPlanBuilder
{
    // The "uvu" (second-input multiplicity 1) and "uuu" paths among `active`, in groups by first-input irrep, with
    // their constants: for "uvu" one constant [D2, Σ_groups I·ΣK] (x2 times it gives every group's [I, ΣK] operator
    // in one product); for "uuu" per group [I·ΣJ, ΣK] (ΣJ: the second-input irreps of multiplicity u that the paths
    // of that multiplicity read, gathered channel-major).
    private (ChannelGroup[] Groups, string? UvuCg, long[] UvuSizes) BuildChannelGroups(IEnumerable<int> active,
        int[] weightOffsets)
    {
        var paths = active.Where(IsChannelWise).ToList();
        var groups = new List<ChannelGroup>();
        ChannelPath PathOf(int n) => new(n, _instructions[n].IOut, _out[_instructions[n].IOut].Ir.Dim,
            _instructions[n].HasWeight, weightOffsets[n], _instructions[n].PathNumel, _weightParts[n]);

        // "uvu": [D2, I·ΣK] blocks side by side, rows of each path's second-input irrep (v = 0 only).
        var uvu = paths.Where(n => _instructions[n].ConnectionMode == "uvu").GroupBy(n => _instructions[n].IIn1)
            .OrderBy(g => g.Key).Select(g => g.OrderBy(n => n).ToList()).ToList();
        string? uvuCg = null;
        var uvuSizes = uvu.Select(g => (long)_in1[_instructions[g[0]].IIn1].Ir.Dim
                                       * g.Sum(n => _out[_instructions[n].IOut].Ir.Dim)).ToArray();
        if (uvu.Count > 0)
        {
            long d2 = _in2.Dim, cols = uvuSizes.Sum(), start = 0;
            var cg = new double[d2 * cols];
            for (var gi = 0; gi < uvu.Count; gi++)
            {
                var ps = uvu[gi];
                var i1 = _instructions[ps[0]].IIn1;
                long di = _in1[i1].Ir.Dim, sk = ps.Sum(n => _out[_instructions[n].IOut].Ir.Dim), k0 = 0;
                foreach (var n in ps)
                {
                    var ins = _instructions[n];
                    long dj = _in2[ins.IIn2].Ir.Dim, dk = _out[ins.IOut].Ir.Dim;
                    var row0 = _in2.Slices()[ins.IIn2].Start;
                    var c = PathCg(n);
                    for (var i = 0; i < di; i++)
                    {
                        for (var j = 0; j < dj; j++)
                        {
                            for (var k = 0; k < dk; k++)
                            {
                                cg[(row0 + j) * cols + start + i * sk + k0 + k] = c[(i * dj + j) * dk + k];
                            }
                        }
                    }
                    k0 += dk;
                }
                var (weightIndex, layout) = ColumnIndices($"uvu_{gi}", _in1[i1].Mul, ps, weightOffsets);
                groups.Add(new ChannelGroup("uvu", i1, _in1[i1].Mul, di, null, null, -1, 0, gi,
                    ps.Select(PathOf).ToArray(), weightIndex, layout));
                start += uvuSizes[gi];
            }
            uvuCg = _constants.AddFloat("cg_uvu", cg, d2, cols);
        }

        // "uuu": by multiplicity (the channels), then by first-input irrep.
        foreach (var byMul in paths.Where(n => _instructions[n].ConnectionMode == "uuu")
                     .GroupBy(n => _in1[_instructions[n].IIn1].Mul).OrderBy(g => g.Key))
        {
            long u = byMul.Key;
            var blocks2 = byMul.Select(n => _instructions[n].IIn2).Distinct().OrderBy(b => b).ToList();
            var offset2 = new Dictionary<int, long>();
            long sj = 0;
            foreach (var b in blocks2)
            {
                offset2[b] = sj;
                sj += _in2[b].Ir.Dim;
            }
            // x2's blocks channel-major, [..., u, ΣJ]: a gather unless one block (already [u, J]).
            string? in2Index = null;
            if (blocks2.Count > 1)
            {
                var index = new List<long>();
                for (long a = 0; a < u; a++)
                {
                    foreach (var b in blocks2)
                    {
                        var s = _in2.Slices()[b].Start;
                        var d = _in2[b].Ir.Dim;
                        for (long j = 0; j < d; j++) index.Add(s + a * d + j);
                    }
                }
                in2Index = _constants.AddIndex($"x2_uuu_{u}", index.ToArray());
            }
            foreach (var g in byMul.GroupBy(n => _instructions[n].IIn1).OrderBy(g => g.Key))
            {
                var ps = g.OrderBy(n => n).ToList();
                var i1 = g.Key;
                long di = _in1[i1].Ir.Dim, sk = ps.Sum(n => _out[_instructions[n].IOut].Ir.Dim), k0 = 0;
                var cg = new double[di * sj * sk];
                foreach (var n in ps)
                {
                    var ins = _instructions[n];
                    long dj = _in2[ins.IIn2].Ir.Dim, dk = _out[ins.IOut].Ir.Dim;
                    var c = PathCg(n);
                    for (var i = 0; i < di; i++)
                    {
                        for (var j = 0; j < dj; j++)
                        {
                            for (var k = 0; k < dk; k++)
                            {
                                cg[(i * sj + offset2[ins.IIn2] + j) * sk + k0 + k] = c[(i * dj + j) * dk + k];
                            }
                        }
                    }
                    k0 += dk;
                }
                var name = _constants.AddFloat($"cg_uuu_{groups.Count}", cg, di * sj, sk);
                var (weightIndex, layout) = ColumnIndices($"uuu_{groups.Count}", u, ps, weightOffsets);
                groups.Add(new ChannelGroup("uuu", i1, u, di, name, in2Index, blocks2[0], sj, -1, ps.Select(PathOf).ToArray(),
                    weightIndex, layout));
            }
        }
        return (groups.ToArray(), uvuCg, uvuSizes);
    }

    // A group's columns [u, ΣK] (u-major, the paths' K side by side): the weight of each column when every path has
    // weights (both modes weigh channel u of path n by its weight block's element u), and the permutation to the
    // paths' e3nn blocks [u·K] one after another when there is more than one path (why: TensorProduct.Channel.cs).
    private (string? WeightIndex, string? Layout) ColumnIndices(string name, long u, List<int> paths, int[] weightOffsets)
    {
        var ks = paths.Select(n => (long)_out[_instructions[n].IOut].Ir.Dim).ToArray();
        long sk = ks.Sum();
        string? weightIndex = null;
        if (paths.All(n => _instructions[n].HasWeight))
        {
            var index = new long[u * sk];
            for (long a = 0; a < u; a++)
            {
                long k0 = 0;
                for (var p = 0; p < paths.Count; p++)
                {
                    for (long k = 0; k < ks[p]; k++) index[a * sk + k0 + k] = weightOffsets[paths[p]] + a;
                    k0 += ks[p];
                }
            }
            weightIndex = _constants.AddIndex($"w_{name}", index);
        }
        string? layout = null;
        if (paths.Count > 1)
        {
            var index = new List<long>();
            long k0 = 0;
            foreach (var k in ks)
            {
                for (long a = 0; a < u; a++)
                {
                    for (long j = 0; j < k; j++) index.Add(a * sk + k0 + j);
                }
                k0 += k;
            }
            layout = _constants.AddIndex($"layout_{name}", index.ToArray());
        }
        return (weightIndex, layout);
    }

    // "uvu" from a second-input irrep of multiplicity 1 (the output keeps the first input's channels: one product per
    // edge and channel), or "uuu".
    private bool IsChannelWise(int n)
    {
        var ins = _instructions[n];
        return ins.ConnectionMode == "uuu" || (ins.ConnectionMode == "uvu" && _in2[ins.IIn2].Mul == 1);
    }
}
