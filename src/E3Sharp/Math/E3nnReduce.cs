using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp;

/// <summary>A signed permutation of a formula's indices (e3nn's <c>(sign, permutation)</c> pairs).</summary>
/// <param name="Sign">+1 or -1: the tensor is multiplied by it when its indices are permuted.</param>
/// <param name="Permutation">Position <c>k</c> of the permuted formula holds index <c>Permutation[k]</c> of the first.</param>
public sealed record SignedPermutation(int Sign, IReadOnlyList<int> Permutation)
{
    /// <inheritdoc />
    public bool Equals(SignedPermutation? other) =>
        other is not null && Sign == other.Sign && Permutation.SequenceEqual(other.Permutation);

    /// <inheritdoc />
    public override int GetHashCode() => Permutation.Aggregate(Sign, HashCode.Combine);

    /// <inheritdoc />
    public override string ToString() => $"({Sign}, ({string.Join(", ", Permutation)}))";
}

/// <summary>
/// e3nn's index-symmetry helpers (<c>e3nn.math.germinate_formulas</c>, <c>reduce_permutation</c>): the group of
/// signed index permutations a formula such as <c>"ijk=jik=-ikj"</c> generates, and an orthonormal basis of the
/// tensors with those symmetries, equal to e3nn 0.5.6 (same basis order and signs).
/// </summary>
/// <example>
/// <code>
/// var (f0, formulas) = E3nnReduce.GerminateFormulas("ij=-ji");
/// var (q, classes) = E3nnReduce.ReducePermutation(f0, formulas, new Dictionary&lt;char, int&gt; { ['i'] = 2 });
/// // q: [1, 2, 2], the antisymmetric 2x2 matrix (0, 1/√2; -1/√2, 0)
/// </code>
/// </example>
public static class E3nnReduce
{
    /// <summary>
    /// Parses <paramref name="formula"/> (index strings joined by <c>=</c>, each optionally prefixed by <c>-</c>) and
    /// closes its permutations under composition and inversion (e3nn's <c>germinate_formulas</c>).
    /// </summary>
    /// <param name="formula">For example <c>"ij=ji"</c> (symmetric), <c>"ij=-ji"</c> (antisymmetric).</param>
    /// <returns>The first index string and the group, sorted (e3nn returns a set).</returns>
    /// <exception cref="ArgumentException">The first string has a sign, or a string is not a permutation of the first.</exception>
    public static (string F0, IReadOnlyList<SignedPermutation> Formulas) GerminateFormulas(string formula)
    {
        ArgumentNullException.ThrowIfNull(formula);
        var parts = formula.Split('=').Select(f => (Sign: f.StartsWith('-') ? -1 : 1, F: f.Replace("-", ""))).ToList();
        var (s0, f0) = parts[0];
        if (s0 != 1)
        {
            throw new ArgumentException($"Formula '{formula}': the first index string cannot have a sign.", nameof(formula));
        }

        foreach (var (_, f) in parts)
        {
            if (f.Distinct().Count() != f.Length || !f.ToHashSet().SetEquals(f0))
            {
                throw new ArgumentException($"Formula '{formula}': {f} is not a permutation of {f0}.", nameof(formula));
            }
        }

        var group = parts.Select(p => new SignedPermutation(p.Sign, f0.Select(i => p.F.IndexOf(i)).ToArray())).ToHashSet();
        while (true)
        {
            var n = group.Count;
            group.UnionWith(group.Select(g => g with { Permutation = Inverse(g.Permutation) }).ToList());
            var snapshot = group.ToList();
            group.UnionWith(snapshot.SelectMany(a => snapshot.Select(b =>
                new SignedPermutation(a.Sign * b.Sign, Compose(a.Permutation, b.Permutation)))).ToList());
            if (group.Count == n)
            {
                break;
            }
        }

        var sorted = group.OrderBy(g => g.Sign).ThenBy(g => g.Permutation, SequenceComparer.Instance).ToList();
        return (f0, sorted);
    }

    /// <summary>
    /// An orthonormal basis of the tensors with the symmetries <paramref name="formulas"/> (e3nn's
    /// <c>reduce_permutation</c>): each basis tensor is the normalised signed sum over one class of related entries.
    /// </summary>
    /// <param name="f0">The index letters (from <see cref="GerminateFormulas"/>).</param>
    /// <param name="formulas">The permutation group (from <see cref="GerminateFormulas"/>).</param>
    /// <param name="dims">The dimension of each index letter; letters the formulas relate to a given one may be left
    /// out.</param>
    /// <param name="dtype">Floating dtype of <c>Q</c> (default: the default dtype).</param>
    /// <param name="device">Device of <c>Q</c>.</param>
    /// <returns><c>Q</c> of shape <c>[number of basis tensors, dims...]</c>, and for each basis tensor the signed
    /// entries it sums.</returns>
    /// <exception cref="ArgumentException">Two related letters have different dimensions, or a letter has none.</exception>
    public static (Tensor Q, IReadOnlyList<IReadOnlyList<(int Sign, int[] Index)>> Classes) ReducePermutation(
        string f0, IReadOnlyCollection<SignedPermutation> formulas, IReadOnlyDictionary<char, int> dims,
        ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(f0);
        ArgumentNullException.ThrowIfNull(formulas);
        ArgumentNullException.ThrowIfNull(dims);
        var d = new Dictionary<char, int>(dims);
        foreach (var p in formulas)
        {
            var f = string.Concat(p.Permutation.Select(k => f0[k]));
            for (var k = 0; k < f0.Length; k++)
            {
                var (i, j) = (f0[k], f[k]);
                if (d.TryGetValue(i, out var di) && d.TryGetValue(j, out var dj) && di != dj)
                {
                    throw new ArgumentException($"ReducePermutation: dimension of {i} and {j} should be the same.", nameof(dims));
                }

                if (d.TryGetValue(i, out di)) d[j] = di;
                if (d.TryGetValue(j, out dj)) d[i] = dj;
            }
        }

        foreach (var i in f0)
        {
            if (!d.ContainsKey(i))
            {
                throw new ArgumentException($"ReducePermutation: index {i} has no dimension associated to it.", nameof(dims));
            }
        }

        var sizes = f0.Select(i => d[i]).ToArray();
        var total = sizes.Aggregate(1, (a, b) => a * b);
        var seen = new HashSet<string>();
        var classes = new List<List<List<(int Sign, int[] Index)>>>();
        foreach (var x in Product(sizes))
        {
            // T[x] equals s T[y] for every (s, y) related to x; if -x is among them, T[x] = 0.
            var xs = formulas.Select(p => (p.Sign, Index: p.Permutation.Select(k => x[k]).ToArray()))
                .Distinct(EntryComparer.Instance).ToList();
            if (xs.Any(e => e.Sign == -1 && e.Index.SequenceEqual(x)))
            {
                continue;
            }

            var a = xs.OrderBy(e => e, EntryComparer.Instance).ToList();
            var b = xs.Select(e => (-e.Sign, e.Index)).OrderBy(e => e, EntryComparer.Instance).ToList();
            var pair = new[] { a, b }.OrderBy(l => l, ListComparer.Instance).ToList();
            if (seen.Add(Key(pair[0]) + "|" + Key(pair[1])))
            {
                classes.Add(pair);
            }
        }

        classes.Sort((p, q) => ListComparer.Instance.Compare(p[0], q[0]) is var c && c != 0 ? c
            : ListComparer.Instance.Compare(p[1], q[1]));
        var values = new double[classes.Count * total];
        var chosen = new List<IReadOnlyList<(int, int[])>>();
        for (var r = 0; r < classes.Count; r++)
        {
            // Python's max: the first of the two lists with the largest sum of signs.
            var pick = classes[r][0].Sum(e => e.Sign) >= classes[r][1].Sum(e => e.Sign) ? classes[r][0] : classes[r][1];
            chosen.Add(pick);
            foreach (var (s, e) in pick)
            {
                var j = 0;
                for (var k = 0; k < e.Length; k++)
                {
                    j = j * sizes[k] + e[k];
                }

                values[r * total + j] = s / Math.Sqrt(pick.Count);
            }
        }

        var q = tensor(values, [classes.Count, .. sizes.Select(s => (long)s)], dtype ?? get_default_dtype(), device);
        return (q, chosen);
    }

    private static int[] Inverse(IReadOnlyList<int> p) => Enumerable.Range(0, p.Count).Select(i => IndexOf(p, i)).ToArray();

    private static int IndexOf(IReadOnlyList<int> p, int value)
    {
        for (var k = 0; k < p.Count; k++)
        {
            if (p[k] == value) return k;
        }

        return -1;
    }

    private static int[] Compose(IReadOnlyList<int> p1, IReadOnlyList<int> p2) => p2.Select(i => p1[i]).ToArray();

    private static IEnumerable<int[]> Product(int[] sizes)
    {
        var x = new int[sizes.Length];
        var total = sizes.Aggregate(1, (a, b) => a * b);
        for (var n = 0; n < total; n++)
        {
            var rest = n;
            for (var k = sizes.Length - 1; k >= 0; k--)
            {
                x[k] = rest % sizes[k];
                rest /= sizes[k];
            }

            yield return (int[])x.Clone();
        }
    }

    private static string Key(List<(int Sign, int[] Index)> list) =>
        string.Join(";", list.Select(e => e.Sign + ":" + string.Join(",", e.Index)));

    private sealed class SequenceComparer : IComparer<IReadOnlyList<int>>
    {
        public static readonly SequenceComparer Instance = new();

        public int Compare(IReadOnlyList<int>? a, IReadOnlyList<int>? b)
        {
            for (var k = 0; k < System.Math.Min(a!.Count, b!.Count); k++)
            {
                var c = a[k].CompareTo(b[k]);
                if (c != 0) return c;
            }

            return a.Count.CompareTo(b.Count);
        }
    }

    // Python's tuple order on (sign, index tuple).
    private sealed class EntryComparer : IComparer<(int Sign, int[] Index)>, IEqualityComparer<(int Sign, int[] Index)>
    {
        public static readonly EntryComparer Instance = new();

        public int Compare((int Sign, int[] Index) a, (int Sign, int[] Index) b)
        {
            var c = a.Sign.CompareTo(b.Sign);
            return c != 0 ? c : SequenceComparer.Instance.Compare(a.Index, b.Index);
        }

        public bool Equals((int Sign, int[] Index) a, (int Sign, int[] Index) b) => Compare(a, b) == 0;

        public int GetHashCode((int Sign, int[] Index) e) => e.Index.Aggregate(e.Sign, HashCode.Combine);
    }

    // Python's list order on lists of entries.
    private sealed class ListComparer : IComparer<List<(int Sign, int[] Index)>>
    {
        public static readonly ListComparer Instance = new();

        public int Compare(List<(int Sign, int[] Index)>? a, List<(int Sign, int[] Index)>? b)
        {
            for (var k = 0; k < System.Math.Min(a!.Count, b!.Count); k++)
            {
                var c = EntryComparer.Instance.Compare(a[k], b[k]);
                if (c != 0) return c;
            }

            return a.Count.CompareTo(b.Count);
        }
    }
}
