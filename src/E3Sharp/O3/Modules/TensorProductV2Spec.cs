namespace E3Sharp.O3.Modules;

/// <summary>What the two e3nn v2 tensor products share: their normalisation options.</summary>
internal static class V2Checks
{
    public static void Normalization(string module, Irreps in1, Irreps in2, string irrepNormalization)
    {
        if (irrepNormalization is not ("component" or "norm"))
        {
            throw new ArgumentException($"{module}({in1} x {in2}): irrepNormalization must be \"component\" or \"norm\" " +
                $"(as e3nn's), got \"{irrepNormalization}\".", nameof(irrepNormalization));
        }
    }
}
