using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// Irreducible representation of O(3): degree <see cref="L"/> (0, 1, 2, ...) and parity <see cref="P"/> (+1 even, -1 odd).
/// Equivalent to e3nn's <c>o3.Irrep</c>; written <c>"1o"</c>, <c>"2e"</c>, or <c>"1y"</c> for parity (-1)^l.
/// </summary>
/// <remarks>
/// Ordering is e3nn's tuple ordering of <c>(l, p)</c>: by <see cref="L"/>, then odd before even
/// (<c>0o &lt; 0e &lt; 1o &lt; 1e &lt; ...</c>). <c>default(Irrep)</c> is the scalar <c>0e</c>.
/// </remarks>
public readonly record struct Irrep : IComparable<Irrep>, IComparable
{
    // Stored as "is odd" so that default(Irrep) is the valid scalar 0e.
    private readonly bool _odd;

    /// <summary>Creates the irrep of degree <paramref name="l"/> and parity <paramref name="p"/>.</summary>
    /// <param name="l">Degree, non-negative.</param>
    /// <param name="p">Parity, +1 (even) or -1 (odd).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l"/> is negative or <paramref name="p"/> is not ±1.</exception>
    public Irrep(int l, int p)
    {
        if (l < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(l), l, $"Irrep degree l must be a non-negative integer, got {l}.");
        }
        if (p != 1 && p != -1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"Irrep parity p must be one of (-1, 1), got {p}.");
        }
        L = l;
        _odd = p == -1;
    }

    /// <summary>Parses an irrep such as <c>"1o"</c>, <c>"2e"</c> or <c>"3y"</c> (see <see cref="Parse"/>).</summary>
    /// <exception cref="FormatException">The string is not a valid irrep.</exception>
    public Irrep(string irrep) : this(Parse(irrep))
    {
    }

    private Irrep(Irrep other)
    {
        L = other.L;
        _odd = other._odd;
    }

    /// <summary>The degree l of the representation (0, 1, 2, ...).</summary>
    public int L { get; }

    /// <summary>The parity of the representation: +1 (even, "e") or -1 (odd, "o").</summary>
    public int P => _odd ? -1 : 1;

    /// <summary>The dimension of the representation, 2l + 1.</summary>
    /// <exception cref="OverflowException">2l + 1 exceeds <see cref="int.MaxValue"/>.</exception>
    public int Dim => L <= (int.MaxValue - 1) / 2
        ? 2 * L + 1
        : throw new OverflowException($"The dimension 2l + 1 of the irrep {this} exceeds Int32.MaxValue.");

    /// <summary>True for the scalar irrep <c>0e</c> (l = 0 and p = +1).</summary>
    public bool IsScalar() => L == 0 && !_odd;

    /// <summary>
    /// Parses an irrep written as <c>l</c> followed by a parity letter: <c>e</c> (+1), <c>o</c> (-1) or <c>y</c>
    /// ((-1)^l). Surrounding whitespace is ignored, as in e3nn.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is null.</exception>
    /// <exception cref="FormatException">The string is not a valid irrep; the message quotes it.</exception>
    public static Irrep Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (TryParse(s, out var irrep, out var reason))
        {
            return irrep;
        }
        throw new FormatException($"Unable to convert string \"{s.Trim()}\" into an Irrep: {reason}.");
    }

    /// <summary>Tries to parse an irrep (see <see cref="Parse"/>).</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out Irrep irrep) => TryParse(s, out irrep, out _);

    internal static bool TryParse(string? s, out Irrep irrep, out string reason)
    {
        irrep = default;
        if (s is null)
        {
            reason = "the string is null";
            return false;
        }
        var name = s.Trim();
        if (name.Length < 2)
        {
            reason = "expected a degree l followed by a parity 'e', 'o' or 'y', e.g. \"1o\"";
            return false;
        }
        // Like e3nn's int(name[:-1]): whitespace around the number and a sign are tolerated.
        if (!int.TryParse(name.AsSpan(0, name.Length - 1),
                NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out var l))
        {
            reason = $"the degree \"{name[..^1]}\" is not an integer (expected e.g. \"1o\")";
            return false;
        }
        if (l < 0)
        {
            reason = $"the degree l must be non-negative, got {l}";
            return false;
        }
        int p;
        switch (name[^1])
        {
            case 'e': p = 1; break;
            case 'o': p = -1; break;
            case 'y': p = l % 2 == 0 ? 1 : -1; break;
            default:
                reason = $"the parity '{name[^1]}' must be 'e' (even), 'o' (odd) or 'y' ((-1)^l)";
                return false;
        }
        irrep = new Irrep(l, p);
        reason = "";
        return true;
    }

    /// <summary>Converts a string such as <c>"1o"</c> to an irrep (see <see cref="Parse"/>).</summary>
    /// <exception cref="FormatException">The string is not a valid irrep.</exception>
    public static implicit operator Irrep(string irrep) => Parse(irrep);

    /// <summary>The e3nn name of the irrep, e.g. <c>"1o"</c> or <c>"2e"</c>.</summary>
    public override string ToString() => _odd ? $"{L}o" : $"{L}e";

    /// <summary>Deconstructs into degree and parity.</summary>
    public void Deconstruct(out int l, out int p)
    {
        l = L;
        p = P;
    }

    /// <summary>Compares as e3nn's tuple <c>(l, p)</c>: by degree, then odd (-1) before even (+1).</summary>
    public int CompareTo(Irrep other)
    {
        var c = L.CompareTo(other.L);
        return c != 0 ? c : P.CompareTo(other.P);
    }

    /// <inheritdoc />
    int IComparable.CompareTo(object? obj) => obj switch
    {
        null => 1,
        Irrep other => CompareTo(other),
        _ => throw new ArgumentException($"Cannot compare an Irrep with {obj.GetType().Name}.", nameof(obj)),
    };

    /// <summary>True if <paramref name="left"/> sorts before <paramref name="right"/> (see <see cref="CompareTo(Irrep)"/>).</summary>
    public static bool operator <(Irrep left, Irrep right) => left.CompareTo(right) < 0;

    /// <summary>True if <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    public static bool operator >(Irrep left, Irrep right) => left.CompareTo(right) > 0;

    /// <summary>True if <paramref name="left"/> sorts before or equal to <paramref name="right"/>.</summary>
    public static bool operator <=(Irrep left, Irrep right) => left.CompareTo(right) <= 0;

    /// <summary>True if <paramref name="left"/> sorts after or equal to <paramref name="right"/>.</summary>
    public static bool operator >=(Irrep left, Irrep right) => left.CompareTo(right) >= 0;

    /// <summary>
    /// The irreps occurring in the tensor product of two irreps: <c>Irrep(l, p1·p2)</c> for
    /// <c>|l1 - l2| &lt;= l &lt;= l1 + l2</c>, in increasing l.
    /// </summary>
    public static IEnumerable<Irrep> operator *(Irrep left, Irrep right)
    {
        var p = left.P * right.P;
        var lmin = Math.Abs(left.L - right.L);
        var lmax = left.L + right.L;
        return Enumerable.Range(lmin, lmax - lmin + 1).Select(l => new Irrep(l, p));
    }

    /// <summary><paramref name="mul"/> copies of the irrep, e.g. <c>3 * "1e"</c> is <c>3x1e</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mul"/> is negative.</exception>
    public static Irreps operator *(int mul, Irrep irrep) => new(new[] { new MulIr(mul, irrep) });

    /// <summary>The direct sum of two irreps, e.g. <c>1o + 2o</c> is <c>1x1o+1x2o</c>.</summary>
    public static Irreps operator +(Irrep left, Irrep right) => new(new[] { new MulIr(1, left), new MulIr(1, right) });

    /// <summary>
    /// The matrix of this irrep for the O(3) element "rotation by YXY Euler angles, then parity applied
    /// <paramref name="k"/> times": <c>p^k D^l(alpha, beta, gamma)</c> of shape <c>[..., 2l+1, 2l+1]</c>
    /// (e3nn <c>Irrep.D_from_angles</c>). <c>D^l</c> is <see cref="Wigner.WignerD"/>.
    /// </summary>
    /// <param name="alpha">Rotation about Y, applied third; shape <c>[...]</c>.</param>
    /// <param name="beta">Rotation about X, applied second; shape <c>[...]</c>.</param>
    /// <param name="gamma">Rotation about Y, applied first; shape <c>[...]</c>.</param>
    /// <param name="k">How many times the parity (inversion) is applied; shape <c>[...]</c>; null means 0.</param>
    /// <returns>A tensor of shape <c>[..., 2l+1, 2l+1]</c>, where <c>...</c> is the broadcast shape of the inputs.</returns>
    public Tensor D(Tensor alpha, Tensor beta, Tensor gamma, Tensor? k = null)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(beta);
        ArgumentNullException.ThrowIfNull(gamma);
        using var scope = NewDisposeScope();
        var abck = broadcast_tensors(alpha, beta, gamma, k ?? zeros_like(alpha));
        var d = Wigner.WignerD(L, abck[0], abck[1], abck[2]);
        if (_odd)
        {
            // (-1)^k as in e3nn's `self.p ** k`.
            var kk = abck[3].unsqueeze(-1).unsqueeze(-1);
            using var minusOne = (-1).ToScalar();
            d = d * full_like(kk, minusOne).pow(kk);
        }
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Iterates through the irreps of O(3): <c>0e, 0o, 1o, 1e, 2e, 2o, ...</c> (for each l first parity (-1)^l,
    /// then the other), up to and including <paramref name="lmax"/>, or forever when it is null.
    /// </summary>
    public static IEnumerable<Irrep> Iterator(int? lmax = null)
    {
        if (lmax is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lmax), lmax, $"lmax must be non-negative, got {lmax}.");
        }
        for (var l = 0; ; l++)
        {
            var p = l % 2 == 0 ? 1 : -1;
            yield return new Irrep(l, p);
            yield return new Irrep(l, -p);
            if (l == lmax)
            {
                yield break;
            }
        }
    }
}
