using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// Direct sum of irreducible representations of O(3), e.g. <c>"2x0e+1x1o"</c>: an immutable list of
/// <see cref="MulIr"/> with value equality (e3nn's <c>o3.Irreps</c>).
/// </summary>
/// <remarks>
/// The number of entries is <see cref="Length"/> (e3nn's <c>len</c>); <see cref="Count(Irrep)"/> is e3nn's
/// <c>count(ir)</c>, the total multiplicity of an irrep. Slicing works with ranges: <c>irreps[1..]</c>.
/// </remarks>
public sealed class Irreps : IReadOnlyList<MulIr>, IEquatable<Irreps>
{
    private readonly MulIr[] _items;

    /// <summary>The empty irreps.</summary>
    public static Irreps Empty { get; } = new(Array.Empty<MulIr>());

    /// <summary>
    /// Parses irreps such as <c>"2x0e + 1x1o"</c> (grammar: empty, or <c>term ('+' term)*</c> with
    /// <c>term = [mul 'x'] l parity</c>, parity <c>e</c>/<c>o</c>/<c>y</c>; whitespace around tokens is ignored).
    /// </summary>
    /// <exception cref="FormatException">The string is not valid; the message quotes it and the offending term.</exception>
    public Irreps(string irreps)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        _items = ParseItems(irreps);
    }

    /// <summary>Creates irreps from a sequence of entries.</summary>
    public Irreps(IEnumerable<MulIr> irreps)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        _items = irreps.ToArray();
    }

    /// <summary>Creates irreps from entries, e.g. <c>new Irreps(new MulIr(16, "3e"), (256, new Irrep(1, -1)))</c>.</summary>
    public Irreps(params MulIr[] irreps) : this((IEnumerable<MulIr>)irreps)
    {
    }

    /// <summary>Creates irreps from <c>(mul, ir)</c> tuples.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A multiplicity is negative.</exception>
    public Irreps(IEnumerable<(int Mul, Irrep Ir)> irreps)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        _items = irreps.Select(t => new MulIr(t.Mul, t.Ir)).ToArray();
    }

    /// <summary>Creates irreps with one copy of each given irrep, e.g. <c>Irrep("1e")</c> gives <c>1x1e</c>.</summary>
    public Irreps(IEnumerable<Irrep> irreps)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        _items = irreps.Select(ir => new MulIr(1, ir)).ToArray();
    }

    /// <summary>Creates <c>1x{ir}</c>.</summary>
    public Irreps(Irrep ir) => _items = new[] { new MulIr(1, ir) };

    private Irreps(MulIr[] items, bool _) => _items = items;

    /// <summary>Parses irreps (see <see cref="Irreps(string)"/>).</summary>
    /// <exception cref="FormatException">The string is not valid.</exception>
    public static Irreps Parse(string irreps) => new(irreps);

    /// <summary>Tries to parse irreps (see <see cref="Irreps(string)"/>).</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, [NotNullWhen(true)] out Irreps? irreps)
    {
        irreps = null;
        if (s is null || !TryParseItems(s, out var items, out _))
        {
            return false;
        }
        irreps = new Irreps(items, true);
        return true;
    }

    /// <summary>Parses a string such as <c>"2x0e+1x1o"</c> (see <see cref="Irreps(string)"/>).</summary>
    /// <exception cref="FormatException">The string is not valid.</exception>
    public static implicit operator Irreps(string irreps) => new(irreps);

    /// <summary>The irreps of the spherical harmonics up to <paramref name="lmax"/>: <c>1x0e+1x1{p}+1x2e+...</c> with parity p^l.</summary>
    /// <param name="lmax">Maximum degree, non-negative.</param>
    /// <param name="p">Parity of l = 1 (-1 for true spherical harmonics, +1 for all-even).</param>
    public static Irreps SphericalHarmonics(int lmax, int p = -1)
    {
        if (lmax < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lmax), lmax, $"lmax must be non-negative, got {lmax}.");
        }
        if (p != 1 && p != -1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"Parity p must be one of (-1, 1), got {p}.");
        }
        return new Irreps(Enumerable.Range(0, lmax + 1)
            .Select(l => new MulIr(1, new Irrep(l, p == 1 || l % 2 == 0 ? 1 : -1))).ToArray(), true);
    }

    /// <summary>Number of entries (e3nn's <c>len(irreps)</c>), not the number of irreps (<see cref="NumIrreps"/>).</summary>
    public int Length => _items.Length;

    /// <inheritdoc />
    int IReadOnlyCollection<MulIr>.Count => _items.Length;

    /// <summary>The entry at <paramref name="index"/> (supports <c>^1</c> from the end).</summary>
    /// <exception cref="IndexOutOfRangeException">The index is out of range.</exception>
    public MulIr this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_items.Length)
            {
                throw new IndexOutOfRangeException(
                    $"Index {index} is out of range for Irreps \"{this}\" with {_items.Length} entries.");
            }
            return _items[index];
        }
    }

    /// <summary>The entries <c>[start, start + length)</c> as irreps; used by range indexing <c>irreps[1..]</c>.</summary>
    public Irreps Slice(int start, int length)
    {
        if (start < 0 || length < 0 || start + length > _items.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Slice [{start}, {start + length}) is out of range for Irreps \"{this}\" with {_items.Length} entries.");
        }
        return new Irreps(_items.AsSpan(start, length).ToArray(), true);
    }

    /// <summary>Total dimension, the sum of <c>mul * (2l + 1)</c>.</summary>
    /// <exception cref="OverflowException">The dimension exceeds <see cref="int.MaxValue"/>.</exception>
    public int Dim => _items.Sum(x => (long)x.Dim) is var d && d <= int.MaxValue
        ? (int)d
        : throw new OverflowException($"The dimension of the irreps {this} ({d}) exceeds Int32.MaxValue.");

    /// <summary>Number of irreps, the sum of multiplicities.</summary>
    public int NumIrreps => _items.Sum(x => x.Mul);

    /// <summary>The degree of every irrep copy (each l repeated mul times).</summary>
    public IReadOnlyList<int> Ls => _items.SelectMany(x => Enumerable.Repeat(x.Ir.L, x.Mul)).ToArray();

    /// <summary>Maximum degree over <see cref="Ls"/>.</summary>
    /// <exception cref="InvalidOperationException">The irreps are empty, or all multiplicities are zero.</exception>
    public int Lmax
    {
        get
        {
            if (_items.Length == 0)
            {
                throw new InvalidOperationException("Cannot get lmax of empty Irreps.");
            }
            if (_items.All(x => x.Mul == 0))
            {
                throw new InvalidOperationException(
                    $"Cannot get lmax of Irreps \"{this}\": all multiplicities are zero, so it holds no irrep.");
            }
            return _items.Where(x => x.Mul > 0).Max(x => x.Ir.L);
        }
    }

    /// <summary>Total multiplicity of <paramref name="ir"/> (e3nn's <c>count</c>).</summary>
    public int Count(Irrep ir) => _items.Where(x => x.Ir == ir).Sum(x => x.Mul);

    /// <summary>True if some entry has irrep <paramref name="ir"/> (even with multiplicity 0, as in e3nn).</summary>
    public bool Contains(Irrep ir) => _items.Any(x => x.Ir == ir);

    /// <summary>For each entry, the index range it occupies along the feature dimension.</summary>
    public IReadOnlyList<IrrepsSlice> Slices()
    {
        var result = new IrrepsSlice[_items.Length];
        var i = 0;
        for (var k = 0; k < _items.Length; k++)
        {
            result[k] = new IrrepsSlice(i, i + _items[k].Dim);
            i += _items[k].Dim;
        }
        return result;
    }

    /// <summary>
    /// Merges <b>adjacent</b> equal irreps and drops zero multiplicities, without sorting
    /// (<c>"1e+1e+0e+1e"</c> gives <c>2x1e+1x0e+1x1e</c>).
    /// </summary>
    public Irreps Simplify()
    {
        var output = new List<MulIr>();
        foreach (var (mul, ir) in _items)
        {
            if (output.Count > 0 && output[^1].Ir == ir)
            {
                output[^1] = new MulIr(output[^1].Mul + mul, ir);
            }
            else if (mul > 0)
            {
                output.Add(new MulIr(mul, ir));
            }
        }
        return new Irreps(output.ToArray(), true);
    }

    /// <summary>Removes the entries of multiplicity zero.</summary>
    public Irreps RemoveZeroMultiplicities() => new(_items.Where(x => x.Mul > 0).ToArray(), true);

    /// <summary>
    /// Sorts the entries by irrep (see <see cref="Irrep.CompareTo(Irrep)"/>), stably, and returns the permutation.
    /// </summary>
    public IrrepsSortResult Sort()
    {
        var inv = Enumerable.Range(0, _items.Length)
            .OrderBy(i => _items[i].Ir)
            .ThenBy(i => i)
            .ToArray();
        var p = new int[inv.Length];
        for (var j = 0; j < inv.Length; j++)
        {
            p[inv[j]] = j;
        }
        return new IrrepsSortResult(new Irreps(inv.Select(i => _items[i]).ToArray(), true), p, inv);
    }

    /// <summary><see cref="Sort"/> then <see cref="Simplify"/>.</summary>
    public Irreps Regroup() => Sort().Irreps.Simplify();

    /// <summary>
    /// Random tensor of the given shape, where exactly one entry is -1 and is replaced by <see cref="Dim"/>;
    /// entries are iid N(0, 1) (component normalization), default dtype and device.
    /// </summary>
    public Tensor Randn(params long[] shape) => Randn(shape, null, null);

    /// <summary>
    /// Random tensor of the given shape, where exactly one entry is -1 and is replaced by <see cref="Dim"/>.
    /// </summary>
    /// <param name="shape">Output shape with exactly one -1 (the feature dimension).</param>
    /// <param name="dtype">Element type (default: torch's default dtype).</param>
    /// <param name="device">Device (default: CPU).</param>
    /// <param name="normalization"><c>"component"</c>: iid N(0, 1) entries; <c>"norm"</c>: every irrep copy is a random
    /// direction of exactly unit norm (drawn per entry as N(0, 1) of shape <c>(..., mul, 2l+1, ...)</c>, then normalized).</param>
    /// <param name="generator">Random generator (default: the global one).</param>
    /// <param name="requiresGrad">Whether the result requires grad.</param>
    /// <exception cref="ArgumentException">The shape does not contain exactly one -1, has another negative entry, or the
    /// normalization is unknown.</exception>
    public Tensor Randn(long[] shape, ScalarType? dtype, Device? device, string normalization = "component",
        Generator? generator = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var di = Array.IndexOf(shape, -1L);
        var shapeText = "[" + string.Join(", ", shape) + "]";
        if (di < 0 || Array.LastIndexOf(shape, -1L) != di)
        {
            throw new ArgumentException(
                $"Irreps(\"{this}\").Randn: shape {shapeText} must contain exactly one -1 (replaced by dim = {Dim}).",
                nameof(shape));
        }
        if (shape.Any(s => s < -1))
        {
            throw new ArgumentException(
                $"Irreps(\"{this}\").Randn: shape {shapeText} has a negative size other than the single -1.", nameof(shape));
        }
        var lsize = shape[..di];
        var rsize = shape[(di + 1)..];
        var size = lsize.Append((long)Dim).Concat(rsize).ToArray();

        switch (normalization)
        {
            case "component":
                return torch.randn(size, dtype, device, requiresGrad, generator);
            case "norm":
                var x = torch.zeros(size, dtype, device);
                using (torch.no_grad())
                {
                    foreach (var (slice, mulIr) in Slices().Zip(_items))
                    {
                        using var scope = torch.NewDisposeScope();
                        var blockShape = lsize.Append(mulIr.Mul).Append(mulIr.Ir.Dim).Concat(rsize).ToArray();
                        var r = torch.randn(blockShape, dtype, device, generator: generator);
                        r.div_(r.norm(di + 1, keepdim: true));
                        x.narrow(di, slice.Start, slice.Length).copy_(r.reshape(lsize.Append(-1L).Concat(rsize).ToArray()));
                    }
                }
                return requiresGrad ? x.requires_grad_(true) : x;
            default:
                throw new ArgumentException(
                    $"Normalization needs to be 'norm' or 'component', got '{normalization}'.", nameof(normalization));
        }
    }

    /// <summary>
    /// The block-diagonal matrix of this representation, <c>p^k D^l(alpha, beta, gamma)</c> for every irrep copy
    /// (e3nn <c>Irreps.D_from_angles</c>), of shape <c>[..., Dim, Dim]</c>. See <see cref="Irrep.D"/>.
    /// </summary>
    /// <param name="alpha">Rotation about Y, applied third; shape <c>[...]</c>.</param>
    /// <param name="beta">Rotation about X, applied second; shape <c>[...]</c>.</param>
    /// <param name="gamma">Rotation about Y, applied first; shape <c>[...]</c>.</param>
    /// <param name="k">How many times the parity (inversion) is applied; shape <c>[...]</c>; null means 0.</param>
    public Tensor D(Tensor alpha, Tensor beta, Tensor gamma, Tensor? k = null)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(beta);
        ArgumentNullException.ThrowIfNull(gamma);
        using var scope = NewDisposeScope();
        var batch = broadcast_tensors(alpha, beta, gamma, k ?? zeros_like(alpha))[0].shape;
        var dim = Dim;
        Tensor? result = null;
        var offset = 0;
        foreach (var (mul, ir) in _items)
        {
            if (mul == 0)
            {
                continue;
            }
            var block = ir.D(alpha, beta, gamma, k);
            result ??= zeros(batch.Append(dim).Append(dim).ToArray(), block.dtype, block.device);
            for (var u = 0; u < mul; u++)
            {
                result.narrow(-2, offset, ir.Dim).narrow(-1, offset, ir.Dim).copy_(block);
                offset += ir.Dim;
            }
        }
        var dtype = alpha.is_floating_point() ? alpha.dtype : get_default_dtype();
        result ??= zeros(batch.Append(dim).Append(dim).ToArray(), dtype, alpha.device);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Concatenates two irreps (e.g. <c>irreps + "0e"</c>).</summary>
    public static Irreps operator +(Irreps left, Irreps right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new Irreps(left._items.Concat(right._items).ToArray(), true);
    }

    /// <summary>Repeats the entries <paramref name="times"/> times (tuple repetition, not a tensor product).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="times"/> is negative.</exception>
    public static Irreps operator *(Irreps irreps, int times)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        if (times < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(times), times,
                $"Cannot repeat Irreps \"{irreps}\" a negative number of times ({times}).");
        }
        var items = new MulIr[irreps._items.Length * times];
        for (var t = 0; t < times; t++)
        {
            irreps._items.CopyTo(items, t * irreps._items.Length);
        }
        return new Irreps(items, true);
    }

    /// <summary>Repeats the entries <paramref name="times"/> times (see <see cref="op_Multiply(Irreps, int)"/>).</summary>
    public static Irreps operator *(int times, Irreps irreps) => irreps * times;

    /// <summary>Value equality: same entries in the same order.</summary>
    public static bool operator ==(Irreps? left, Irreps? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Irreps? left, Irreps? right) => !(left == right);

    /// <inheritdoc />
    public bool Equals(Irreps? other) =>
        other is not null && (ReferenceEquals(this, other) || _items.AsSpan().SequenceEqual(other._items));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Irreps other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items)
        {
            hash.Add(item);
        }
        return hash.ToHashCode();
    }

    /// <summary>The canonical e3nn form, e.g. <c>"2x0e+1x1o"</c> (empty string for empty irreps).</summary>
    public override string ToString() => string.Join("+", _items);

    /// <inheritdoc />
    public IEnumerator<MulIr> GetEnumerator() => ((IEnumerable<MulIr>)_items).GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static MulIr[] ParseItems(string s)
    {
        if (TryParseItems(s, out var items, out var error))
        {
            return items;
        }
        throw new FormatException($"Unable to convert string \"{s}\" into an Irreps: {error}.");
    }

    private static bool TryParseItems(string s, [NotNullWhen(true)] out MulIr[]? items, [NotNullWhen(false)] out string? error)
    {
        items = null;
        error = null;
        var output = new List<MulIr>();
        if (s.Trim().Length != 0)
        {
            foreach (var term in s.Split('+'))
            {
                if (!TryParseTerm(term, out var mulIr, out var reason))
                {
                    error = $"term \"{term.Trim()}\" is invalid ({reason}; expected [mul 'x'] l parity, e.g. \"2x1o\")";
                    return false;
                }
                output.Add(mulIr);
            }
        }
        items = output.ToArray();
        return true;
    }

    private static bool TryParseTerm(string term, out MulIr mulIr, out string reason)
    {
        mulIr = default;
        var mul = 1;
        var irText = term;
        var x = term.IndexOf('x');
        if (x >= 0)
        {
            if (term.IndexOf('x', x + 1) >= 0)
            {
                reason = "more than one 'x'";
                return false;
            }
            // Like e3nn's int(mul): whitespace around the number is tolerated.
            if (!int.TryParse(term.AsSpan(0, x),
                    NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign,
                    CultureInfo.InvariantCulture, out mul))
            {
                reason = $"multiplicity \"{term[..x].Trim()}\" is not an integer";
                return false;
            }
            if (mul < 0)
            {
                reason = $"multiplicity must be non-negative, got {mul}";
                return false;
            }
            irText = term[(x + 1)..];
        }
        if (!Irrep.TryParse(irText, out var ir, out reason))
        {
            reason = $"irrep \"{irText.Trim()}\": {reason}";
            return false;
        }
        mulIr = new MulIr(mul, ir);
        return true;
    }
}
