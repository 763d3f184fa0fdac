namespace E3Sharp.O3.Modules;

/// <summary>
/// The checks of a <see cref="TensorProduct"/>'s instructions and options, and e3nn's normalisation, which folds the
/// irrep and path normalisation and the variances into each instruction's path weight (<c>sqrt(alpha)</c>).
/// </summary>
internal static class TensorProductInstructions
{
    private static readonly string[] Modes = { "uvw", "uvu", "uvv", "uuw", "uuu", "uvuv", "uvu<v", "u<vw" };

    /// <summary>Checks the normalisation options by name.</summary>
    public static void CheckOptions(string where, string irrepNormalization, string pathNormalization)
    {
        if (irrepNormalization is not ("component" or "norm" or "none"))
        {
            throw new ArgumentException(
                $"{where}: irrepNormalization must be \"component\", \"norm\" or \"none\", got \"{irrepNormalization}\".",
                nameof(irrepNormalization));
        }
        if (pathNormalization is not ("element" or "path" or "none"))
        {
            throw new ArgumentException(
                $"{where}: pathNormalization must be \"element\", \"path\" or \"none\", got \"{pathNormalization}\".",
                nameof(pathNormalization));
        }
    }

    /// <summary>The instructions checked, with their path shapes and normalised path weights.</summary>
    public static List<Instruction> Normalize(
        string where, Irreps in1, Irreps in2, Irreps out_, IReadOnlyList<Instruction> raw,
        IReadOnlyList<double>? in1Var, IReadOnlyList<double>? in2Var, IReadOnlyList<double>? outVar,
        string irrepNormalization, string pathNormalization)
    {
        var shaped = new List<Instruction>(raw.Count);
        for (var n = 0; n < raw.Count; n++)
        {
            shaped.Add(Validate(where, in1, in2, out_, n, raw[n]));
        }

        var v1 = Variances(where, nameof(in1Var), in1Var, in1.Length);
        var v2 = Variances(where, nameof(in2Var), in2Var, in2.Length);
        var vo = Variances(where, nameof(outVar), outVar, out_.Length);

        var normalized = new List<Instruction>(shaped.Count);
        foreach (var ins in shaped)
        {
            var ir1 = in1[ins.IIn1].Ir;
            var ir2 = in2[ins.IIn2].Ir;
            var irO = out_[ins.IOut].Ir;
            double alpha = irrepNormalization switch
            {
                "component" => irO.Dim,
                "norm" => ir1.Dim * ir2.Dim,
                _ => 1.0,
            };
            double x = 1.0;
            if (pathNormalization == "element")
            {
                x = 0.0;
                foreach (var other in shaped)
                {
                    if (other.IOut == ins.IOut) x += v1[other.IIn1] * v2[other.IIn2] * NumElements(in1, in2, other);
                }
            }
            else if (pathNormalization == "path")
            {
                x = v1[ins.IIn1] * v2[ins.IIn2] * NumElements(in1, in2, ins) * shaped.Count(o => o.IOut == ins.IOut);
            }
            if (x > 0.0) alpha /= x;
            alpha *= vo[ins.IOut];
            alpha *= ins.PathWeight;
            normalized.Add(ins with { PathWeight = Math.Sqrt(alpha) });
        }
        return normalized;
    }

    private static Instruction Validate(string where, Irreps in1, Irreps in2, Irreps out_, int n, Instruction ins)
    {
        if (ins is null) throw new ArgumentException($"{where}: instruction {n} is null.", "instructions");
        if (!double.IsFinite(ins.PathWeight) || ins.PathWeight < 0)
        {
            // e3nn folds the square root of the path weight into the path: a negative or NaN weight gives NaN outputs.
            throw new ArgumentException(
                $"{where}: instruction {n} has path weight {ins.PathWeight}; a path weight must be finite and >= 0.", "instructions");
        }
        if (ins.IIn1 < 0 || ins.IIn1 >= in1.Length)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has i_in1 = {ins.IIn1}, but irrepsIn1 has {in1.Length} entries.", "instructions");
        }
        if (ins.IIn2 < 0 || ins.IIn2 >= in2.Length)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has i_in2 = {ins.IIn2}, but irrepsIn2 has {in2.Length} entries.", "instructions");
        }
        if (ins.IOut < 0 || ins.IOut >= out_.Length)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has i_out = {ins.IOut}, but irrepsOut has {out_.Length} entries.", "instructions");
        }
        if (!Modes.Contains(ins.ConnectionMode))
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has connection mode \"{ins.ConnectionMode}\"; expected one of " +
                string.Join(", ", Modes.Select(m => $"\"{m}\"")) + ".", "instructions");
        }
        var (m1, ir1) = in1[ins.IIn1];
        var (m2, ir2) = in2[ins.IIn2];
        var (mo, irO) = out_[ins.IOut];
        if (ir1.P * ir2.P != irO.P || irO.L < Math.Abs(ir1.L - ir2.L) || irO.L > ir1.L + ir2.L)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} ({ir1} x {ir2} -> {irO}) is not allowed: the output must satisfy " +
                $"|l1 - l2| <= l <= l1 + l2 and p = p1 p2.", "instructions");
        }
        string? mulError = ins.ConnectionMode switch
        {
            "uvw" when !ins.HasWeight => "mode \"uvw\" needs weights (has_weight = true)",
            "u<vw" when !ins.HasWeight => "mode \"u<vw\" needs weights (has_weight = true)",
            "uvu" when m1 != mo => $"mode \"uvu\" needs mul_in1 == mul_out, got {m1} and {mo}",
            "uvv" when m2 != mo => $"mode \"uvv\" needs mul_in2 == mul_out, got {m2} and {mo}",
            "uuw" when m1 != m2 => $"mode \"uuw\" needs mul_in1 == mul_in2, got {m1} and {m2}",
            "uuw" when !ins.HasWeight && mo != 1 => $"mode \"uuw\" without weights needs mul_out == 1, got {mo}",
            "uuu" when m1 != m2 || m1 != mo => $"mode \"uuu\" needs mul_in1 == mul_in2 == mul_out, got {m1}, {m2}, {mo}",
            "uvuv" when m1 * m2 != mo => $"mode \"uvuv\" needs mul_in1 * mul_in2 == mul_out, got {m1} * {m2} != {mo}",
            "uvu<v" when m1 != m2 || m1 * (m1 - 1) / 2 != mo =>
                $"mode \"uvu<v\" needs mul_in1 == mul_in2 = m and mul_out = m (m - 1) / 2, got {m1}, {m2}, {mo}",
            "u<vw" when m1 != m2 => $"mode \"u<vw\" needs mul_in1 == mul_in2, got {m1} and {m2}",
            _ => null,
        };
        if (mulError is not null)
        {
            throw new ArgumentException($"{where}: instruction {n} ({ir1} x {ir2} -> {irO}): {mulError}.", "instructions");
        }
        var shape = ins.ConnectionMode switch
        {
            "uvw" => new[] { m1, m2, mo },
            "uvu" or "uvv" or "uvuv" => new[] { m1, m2 },
            "uuw" => new[] { m1, mo },
            "uuu" => new[] { m1 },
            "uvu<v" => new[] { m1 * (m2 - 1) / 2 },
            _ => new[] { m1 * (m2 - 1) / 2, mo },
        };
        return ins with { PathShape = shape };
    }

    private static double[] Variances(string where, string name, IReadOnlyList<double>? values, int count)
    {
        if (values is null) return Enumerable.Repeat(1.0, count).ToArray();
        if (values.Count != count)
        {
            throw new ArgumentException(
                $"{where}: {name} has {values.Count} entries but the irreps have {count}.", name);
        }
        if (values.Any(v => !double.IsFinite(v) || v < 0))
        {
            throw new ArgumentException(
                $"{where}: {name} must hold finite variances >= 0, got [{string.Join(", ", values)}].", name);
        }
        return values.ToArray();
    }

    // Number of (u, v) pairs the path sums over, for the path normalisation.
    private static int NumElements(Irreps in1, Irreps in2, Instruction ins)
    {
        var m1 = in1[ins.IIn1].Mul;
        var m2 = in2[ins.IIn2].Mul;
        return ins.ConnectionMode switch
        {
            "uvw" => m1 * m2,
            "uvu" => m2,
            "uvv" => m1,
            "uuw" => m1,
            "uuu" or "uvuv" or "uvu<v" => 1,
            _ => m1 * (m2 - 1) / 2,
        };
    }
}
