namespace E3Sharp.O3;

/// <summary>
/// One entry of an <see cref="Irreps"/>: <see cref="Mul"/> copies of the irrep <see cref="Ir"/>, written <c>"2x1o"</c>
/// (e3nn's <c>_MulIr</c>). <c>default(MulIr)</c> is <c>0x0e</c>.
/// </summary>
public readonly record struct MulIr
{
    /// <summary>Creates <paramref name="mul"/> copies of <paramref name="ir"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mul"/> is negative.</exception>
    public MulIr(int mul, Irrep ir)
    {
        if (mul < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mul), mul,
                $"Multiplicity must be a non-negative integer, got {mul} (for irrep {ir}).");
        }
        Mul = mul;
        Ir = ir;
    }

    /// <summary>The multiplicity (number of copies), non-negative.</summary>
    public int Mul { get; }

    /// <summary>The irrep.</summary>
    public Irrep Ir { get; }

    /// <summary>The total dimension, <c>Mul * Ir.Dim</c>.</summary>
    /// <exception cref="OverflowException">The dimension exceeds <see cref="int.MaxValue"/>.</exception>
    public int Dim => (long)Mul * Ir.Dim is var d && d <= int.MaxValue
        ? (int)d
        : throw new OverflowException($"The dimension of {this} ({Mul} x {Ir.Dim}) exceeds Int32.MaxValue.");

    /// <summary>Converts a tuple <c>(mul, ir)</c>; <c>ir</c> may be given as a string such as <c>"1o"</c>.</summary>
    public static implicit operator MulIr((int Mul, Irrep Ir) tuple) => new(tuple.Mul, tuple.Ir);

    /// <summary>Deconstructs into multiplicity and irrep.</summary>
    public void Deconstruct(out int mul, out Irrep ir)
    {
        mul = Mul;
        ir = Ir;
    }

    /// <summary>The e3nn form <c>"{mul}x{ir}"</c>, e.g. <c>"2x1o"</c>.</summary>
    public override string ToString() => $"{Mul}x{Ir}";
}
