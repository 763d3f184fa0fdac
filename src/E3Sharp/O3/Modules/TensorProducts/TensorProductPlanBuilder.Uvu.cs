namespace E3Sharp.O3.Modules;

// The plan of a product whose paths are all weighted "uvu" paths from single second-input irreps, one per output
// irrep (NequIP's and e3nn's convolutions: x1 ⊗ spherical harmonics with per-edge weights).
internal sealed partial class TensorProductPlanBuilder
{
    // Null unless every instruction is a weighted, active "uvu" path whose second-input irrep has multiplicity 1 and
    // every output irrep with a multiplicity is written by exactly one of them. Per first-input irrep b (a block), the
    // operator A_b = x2 · CG_b [..., I_b, Σ K] holds the path-weighted CG of all of b's paths side by side (one product
    // of x2 with a constant for all blocks), and B_b = x1_b [..., u, I_b] · A_b is [..., u, Σ K]; the output is one
    // gather of the blocks' concatenation times one gather of the weights (per output column, the weight of its path
    // and u): out[..., (a, k) of path p] = B_b[..., a, k of p] · w[..., offset_p + a].
    private UvuPlan? BuildUvu()
    {
        if (_instructions.Count == 0) return null;
        foreach (var ins in _instructions)
        {
            if (ins.ConnectionMode != "uvu" || !ins.HasWeight || !IsActive(ins) || _in2[ins.IIn2].Mul != 1) return null;
        }
        for (var o = 0; o < _out.Length; o++)
        {
            var writers = _instructions.Count(i => i.IOut == o);
            if (_out[o].Mul > 0 ? writers != 1 : writers != 0) return null;
        }

        var weightOffsets = new long[_instructions.Count];
        for (int n = 0, offset = 0; n < _instructions.Count; n++)
        {
            weightOffsets[n] = offset;
            offset += _instructions[n].PathNumel;
        }

        var blockIds = _instructions.Select(i => i.IIn1).Distinct().Order().ToArray();
        var blocks = new UvuBlock[blockIds.Length];
        var columnOffset = new long[_instructions.Count];                 // path's first k column within its block
        for (var b = 0; b < blockIds.Length; b++)
        {
            long columns = 0;
            for (var n = 0; n < _instructions.Count; n++)
            {
                if (_instructions[n].IIn1 != blockIds[b]) continue;
                columnOffset[n] = columns;
                columns += _out[_instructions[n].IOut].Ir.Dim;
            }
            var (mul, ir) = _in1[blockIds[b]];
            blocks[b] = new UvuBlock(blockIds[b], mul, ir.Dim, columns);
        }

        // The CG constant [D2, Σ_b I_b·ΣK_b]: block b's columns (i, then its paths' k) from cgOffset[b].
        var cgSizes = blocks.Select(bl => bl.Dim * bl.Columns).ToArray();
        var cols = cgSizes.Sum();
        var cg = new double[_in2.Dim * cols];
        var slices = _in2.Slices();
        long[] cgOffset = new long[blocks.Length], sourceOffset = new long[blocks.Length];
        for (var b = 1; b < blocks.Length; b++)
        {
            cgOffset[b] = cgOffset[b - 1] + cgSizes[b - 1];
            sourceOffset[b] = sourceOffset[b - 1] + blocks[b - 1].Mul * blocks[b - 1].Columns;
        }
        for (var n = 0; n < _instructions.Count; n++)
        {
            var ins = _instructions[n];
            var b = Array.IndexOf(blockIds, ins.IIn1);
            int di = _in1[ins.IIn1].Ir.Dim, dj = _in2[ins.IIn2].Ir.Dim, dk = _out[ins.IOut].Ir.Dim;
            var c = PathCg(n);
            var row0 = slices[ins.IIn2].Start;
            for (var i = 0; i < di; i++)
            {
                for (var j = 0; j < dj; j++)
                {
                    for (var k = 0; k < dk; k++)
                    {
                        cg[(row0 + j) * cols + cgOffset[b] + i * blocks[b].Columns + columnOffset[n] + k] =
                            c[(i * dj + j) * dk + k];
                    }
                }
            }
        }

        // Per output column, in e3nn's layout ([u, K] per output irrep): its source column and its weight.
        var source = new List<long>();
        var weight = new List<long>();
        for (var o = 0; o < _out.Length; o++)
        {
            if (_out[o].Mul == 0) continue;
            var n = _instructions.ToList().FindIndex(i => i.IOut == o);
            var b = Array.IndexOf(blockIds, _instructions[n].IIn1);
            for (long a = 0; a < _out[o].Mul; a++)
            {
                for (long k = 0; k < _out[o].Ir.Dim; k++)
                {
                    source.Add(sourceOffset[b] + a * blocks[b].Columns + columnOffset[n] + k);
                    weight.Add(weightOffsets[n] + a);
                }
            }
        }

        return new UvuPlan(_constants.AddFloat("uvu_cg", cg, _in2.Dim, cols), cgSizes, blocks,
            _constants.AddIndex("uvu_out", source.ToArray()), _constants.AddIndex("uvu_weight", weight.ToArray()));
    }

    private bool IsActive(Instruction ins) =>
        ins.IOut < _out.Length && _out[ins.IOut].Mul > 0 && !ins.PathShape.Contains(0)
        && _in1[ins.IIn1].Mul > 0 && _in2[ins.IIn2].Mul > 0;
}
