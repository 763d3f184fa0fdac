namespace E3Sharp.O3.Modules;

// The fused groups of "uvw" paths: their operators, the scalar-first paths and the merged evaluation's constants.
internal sealed partial class TensorProductPlanBuilder
{
    // See ScalarFirstPays.
    private const int ScalarFirstMinRatio = 20;

    // One fused group (see BuildPlan), or null when its constant would be too large (x2 much larger than u).
    // A group with exactly one scalar first-input irrep may evaluate that irrep's paths "scalar-first" (ScalarFirstPays):
    // their weights mix x1 before the CG contraction, Y = x1_s · W_s ([..., R·w], u·R·w multiply-adds per row where the
    // operator form needs K·R·u·w), and each output adds (x2 · CG) [..., K, R] times Y [..., R, w] (an outer product for
    // R = 1). The group's other first-input irreps ("dense", Ī in all) take the operator form; for 32x0e+32x1o+32x2e
    // this leaves 29 of the 35 GEMM units and Ī = 8 instead of 9.
    private FusedGroup? FuseGroup(int u, List<int> blocks, List<int> paths, int index, int[] weightOffsets)
    {
        var scalars = blocks.Where(b => _in1[b].Ir.Dim == 1).ToList();
        var scalar = scalars.Count == 1 && ScalarFirstPays(u, blocks.Count, paths.Where(n => _instructions[n].IIn1 == scalars[0]))
            ? scalars[0]
            : -1;
        long iBar = 0;
        var blockOffset = new Dictionary<int, long>();
        foreach (var b in blocks.Where(b => b != scalar))
        {
            blockOffset[b] = iBar;
            iBar += _in1[b].Ir.Dim;
        }
        if (scalar >= 0) blockOffset[scalar] = 0;
        bool IsDense(int n) => _instructions[n].IIn1 != scalar;
        long Mul2(int n) => _in2[_instructions[n].IIn2].Mul;

        var byOut = paths.GroupBy(n => _instructions[n].IOut).OrderBy(g => g.Key)
            .Select(g => g.OrderBy(n => n).ToList()).ToList();
        var dims = byOut.Select(ps => (long)_out[_instructions[ps[0]].IOut].Ir.Dim).ToArray();
        var muls = byOut.Select(ps => ps.Where(IsDense).Sum(Mul2)).ToArray();
        var rows = byOut.Select(ps => ps.Where(n => !IsDense(n)).Sum(Mul2)).ToArray();

        // A scalar output (K = 1) whose V rows fit in another output's K rows rides along in that output's product:
        // one extra row block per output component k of the host, whose row k holds the scalar's row v = k. It saves
        // the scalar's own batched product (a per-sample call that costs about as much as a larger one).
        var host = Enumerable.Repeat(-1, byOut.Count).ToArray();
        var guest = Enumerable.Repeat(-1, byOut.Count).ToArray();
        for (var j = 0; j < byOut.Count; j++)
        {
            if (dims[j] != 1 || muls[j] == 0)
            {
                continue;
            }

            var best = -1;
            for (var h = 0; h < byOut.Count; h++)
            {
                if (dims[h] > 1 && muls[h] > 0 && guest[h] < 0 && muls[j] <= dims[h] && (best < 0 || dims[h] < dims[best]))
                {
                    best = h;
                }
            }

            if (best >= 0)
            {
                host[j] = best;
                guest[best] = j;
            }
        }

        long d2 = _in2.Dim;
        long SlotsOf(int s) => muls[s] + (guest[s] >= 0 ? 1 : 0);
        var owners = Enumerable.Range(0, byOut.Count).Where(s => host[s] < 0 && muls[s] > 0).ToArray();
        var denseCols = owners.Sum(s => dims[s] * SlotsOf(s) * iBar);
        var sfCols = Enumerable.Range(0, byOut.Count).Sum(s => dims[s] * rows[s]);
        var cols = denseCols + sfCols;
        if (d2 * cols > 1 << 18 || (d2 > 2 * u && d2 * cols > 8192)) return null;

        var cg = new double[d2 * cols];
        var weightIndex = new List<long>();
        var colStartOf = new long[byOut.Count];
        long colStart = 0;
        foreach (var s in owners)
        {
            colStartOf[s] = colStart;
            colStart += dims[s] * SlotsOf(s) * iBar;
        }

        var slots = new List<FusedOutput>();
        for (var s = 0; s < byOut.Count; s++)
        {
            var ps = byOut[s];
            var o = _instructions[ps[0]].IOut;
            var (mo, irO) = _out[o];
            // Column of (output component k, row v of this output) in the owner's [K·slots, Ī] block.
            var owner = host[s] >= 0 ? host[s] : s;
            var ownerSlots = SlotsOf(owner);
            long Column(long k, long v) => host[s] >= 0
                ? colStartOf[owner] + (v * ownerSlots + muls[owner]) * iBar
                : colStartOf[s] + (k * ownerSlots + v) * iBar;
            long vOffset = 0;
            foreach (var n in ps.Where(IsDense))
            {
                var m2 = _in2[_instructions[n].IIn2].Mul;
                var first = vOffset;
                ScatterPathCg(cg, cols, n, blockOffset, (k, v) => Column(k, first + v));
                // Weights [u, v, w] (e3nn's layout) as rows (v, u) of o's stacked weight matrix [V·u, w].
                for (var v = 0; v < m2; v++)
                {
                    for (var a = 0; a < u; a++)
                    {
                        for (var w = 0; w < mo; w++) weightIndex.Add(WeightAt(weightOffsets, n, a, v, w));
                    }
                }
                vOffset += m2;
            }
            slots.Add(new FusedOutput(o, mo, irO.Dim, muls[s], rows[s], ps.ToArray(), host[s], guest[s]));
        }
        var scalarFirst = ScalarFirst(u, byOut, rows, n => !IsDense(n), blockOffset, weightOffsets);
        scalarFirst.Scatter(cg, cols, denseCols);
        weightIndex.AddRange(scalarFirst.WeightIndex);

        var slices1 = _in1.Slices();
        var in1Index = new List<long>();
        foreach (var b in blocks.Where(b => b != scalar))
        {
            var d = _in1[b].Ir.Dim;
            for (var i = 0; i < d; i++)
            {
                for (var a = 0; a < u; a++) in1Index.Add(slices1[b].Start + a * d + i);
            }
        }
        var cgName = _constants.AddFloat($"cg_uvw_{index}", cg, d2, cols);
        if (scalar >= 0)
        {
            for (var a = 0; a < u; a++) in1Index.Add(slices1[scalar].Start + a);
        }
        var in1Name = _constants.AddIndex($"x1_uvw_{index}", in1Index.ToArray());
        var indexName = _constants.AddIndex($"w_uvw_{index}", weightIndex.ToArray());
        var members = Enumerable.Range(0, byOut.Count).Where(s => muls[s] > 0).ToArray();
        return new FusedGroup(u, iBar, cgName, indexName, in1Name, slots.ToArray())
        {
            Merged = members.Length == 0 ? null : MergeGroup(u, iBar, blockOffset,
                members.Select(s => byOut[s].Where(IsDense).ToList()).ToList(), members.Select(s => muls[s]).ToArray(),
                members, scalarFirst, index, weightOffsets),
        };
    }

    // Whether a fused group's scalar paths (from a first-input irrep of multiplicity u; the group has `blocks`
    // first-input irreps) run scalar-first: always when the scalar is the group's only irrep (no per-sample product
    // is left at all), else when the GEMM work it saves, Σ (K − 1)·R·u·w multiply-adds per row, is at least
    // ScalarFirstMinRatio times the elements its addcmul passes write, Σ K·w per row: those passes broadcast along w
    // and run far below the GEMM's speed, and the terms add a dozen small operations per call, so below that ratio
    // the operator form is faster.
    private bool ScalarFirstPays(int u, int blocks, IEnumerable<int> scalarPaths)
    {
        if (blocks == 1) return true;
        long saved = 0;
        var written = new Dictionary<int, long>();
        foreach (var n in scalarPaths)
        {
            var (w, irO) = _out[_instructions[n].IOut];
            saved += (irO.Dim - 1L) * _in2[_instructions[n].IIn2].Mul * u * w;
            written[_instructions[n].IOut] = (long)irO.Dim * w;
        }
        return saved >= ScalarFirstMinRatio * written.Values.Sum();
    }

    // The scalar-first paths of a fused group (see FuseGroup): their CG columns, per output s (in byOut's order) a
    // [K, R] block (column k·R + r; rows r run over the paths, then their second-input multiplicity v), and the
    // weight permutation for the matrix [u, Σ R·w] (row a; per output its rows r, then w).
    private ScalarFirstPlan ScalarFirst(int u, List<List<int>> byOut, long[] rows, Func<int, bool> isScalarFirst,
        Dictionary<int, long> blockOffset, int[] weightOffsets)
    {
        var weightIndex = new List<long>();
        for (var a = 0; a < u; a++)
        {
            foreach (var ps in byOut)
            {
                foreach (var n in ps.Where(isScalarFirst))
                {
                    var m2 = _in2[_instructions[n].IIn2].Mul;
                    var mo = _out[_instructions[n].IOut].Mul;
                    for (var v = 0; v < m2; v++)
                    {
                        for (var w = 0; w < mo; w++) weightIndex.Add(WeightAt(weightOffsets, n, a, v, w));
                    }
                }
            }
        }

        void Scatter(double[] cg, long cols, long start)
        {
            var colStart = start;
            for (var s = 0; s < byOut.Count; s++)
            {
                var dk = _out[_instructions[byOut[s][0]].IOut].Ir.Dim;
                long rOffset = 0;
                foreach (var n in byOut[s].Where(isScalarFirst))
                {
                    var first = rOffset;
                    var begin = colStart;
                    var r = rows[s];
                    ScatterPathCg(cg, cols, n, blockOffset, (k, v) => begin + k * r + first + v);
                    rOffset += _in2[_instructions[n].IIn2].Mul;
                }
                colStart += dk * rows[s];
            }
        }

        var columns = byOut.Select((ps, s) => _out[_instructions[ps[0]].IOut].Ir.Dim * rows[s]).Sum();
        return new ScalarFirstPlan(weightIndex, columns, Scatter);
    }

    // The evaluation without autograd of a fused group's dense outputs (see MergedProducts), or null when their
    // multiplicities differ, the weights are not shared, or padding every output to the largest V would add more than
    // a quarter. byOut, muls: the dense paths and V of the group's outputs listed in members (indices into the
    // group's outputs). The scalar-first columns and weights follow the merged ones in the constants.
    private MergedPlan? MergeGroup(int u, long iBar, Dictionary<int, long> blockOffset, List<List<int>> byOut, long[] muls,
        int[] members, ScalarFirstPlan scalarFirst, int index, int[] weightOffsets)
    {
        var outs = byOut.Select(ps => _out[_instructions[ps[0]].IOut]).ToArray();
        long p = muls.Max(), w = outs[0].Mul;
        long rows = outs.Select((o, s) => o.Ir.Dim * muls[s]).Sum(), padded = outs.Sum(o => o.Ir.Dim * p);
        if (!_sharedWeights || outs.Any(o => o.Mul != w) || 4 * padded > 5 * rows) return null;

        long d2 = _in2.Dim, components = outs.Sum(o => (long)o.Ir.Dim), denseCols = components * p * iBar;
        var cols = denseCols + scalarFirst.Columns;
        var cg = new double[d2 * cols];
        var weightIndex = new List<long>();
        long component = 0;
        for (var s = 0; s < byOut.Count; s++)
        {
            var dk = outs[s].Ir.Dim;
            // Row v of this output: (instruction, v within it); rows from V to P are zero (padding).
            var rowsOf = new List<(int N, int V)>();
            foreach (var n in byOut[s])
            {
                var first = rowsOf.Count;
                ScatterPathCg(cg, cols, n, blockOffset, (k, v) => ((component + k) * p + first + v) * iBar);
                for (var v = 0; v < _in2[_instructions[n].IIn2].Mul; v++) rowsOf.Add((n, v));
            }
            // Weights [P·u, w] per output component k (the same matrix for each k); padded rows read the zero
            // appended after the weights.
            for (var k = 0; k < dk; k++)
            {
                for (var v = 0; v < p; v++)
                {
                    for (var a = 0; a < u; a++)
                    {
                        for (var c = 0; c < w; c++)
                        {
                            if (v >= rowsOf.Count)
                            {
                                weightIndex.Add(_weightNumel);
                                continue;
                            }
                            var (n, vn) = rowsOf[v];
                            weightIndex.Add(WeightAt(weightOffsets, n, a, vn, c));
                        }
                    }
                }
            }
            component += dk;
        }
        var denseWeights = weightIndex.Count;
        scalarFirst.Scatter(cg, cols, denseCols);
        weightIndex.AddRange(scalarFirst.WeightIndex);
        return new MergedPlan(_constants.AddFloat($"cg_uvw_{index}_merged", cg, d2, cols),
            _constants.AddIndex($"w_uvw_{index}_merged", weightIndex.ToArray()), components, p, w, padded > rows,
            outs.Select(o => (long)o.Ir.Dim).ToArray(), members, denseCols, denseWeights);
    }


    // The scalar-first part of a fused group: weight permutation, number of CG columns, and the writer of the CG
    // columns into a constant (cg, its column count, first column).
    private sealed record ScalarFirstPlan(List<long> WeightIndex, long Columns, Action<double[], long, long> Scatter);
}
