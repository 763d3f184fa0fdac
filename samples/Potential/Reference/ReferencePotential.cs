namespace E3Sharp.Samples.Potential.Reference;

/// <summary>
/// The analytic many-body potential that labels the training data: a two-species Lennard-Jones pair term, smoothly
/// switched off between <see cref="SwitchOn"/> and <see cref="PairCutoff"/>, plus a Stillinger–Weber-style three-body
/// term that prefers bond angles with cosine <see cref="CosTheta0"/>:
/// <code>
/// E = Σ_{i&lt;j} 4ε_ij [(σ_ij/r)^12 − (σ_ij/r)^6] s(r_ij)
///   + Σ_i Σ_{j&lt;k, j,k≠i} λ_{t_i} (cos θ_jik − cos θ0)^2 g(r_ij) g(r_ik),   g(r) = exp(γ / (r − a)) for r &lt; a
/// </code>
/// where <c>s</c> is the quintic smoothstep from 1 at <see cref="SwitchOn"/> to 0 at <see cref="PairCutoff"/>.
/// Energies in eV, lengths in Å. Energies and forces are computed analytically in double precision (no autograd), so
/// the reference is independent of the machinery that trains the model.
/// </summary>
public sealed class ReferencePotential
{
    /// <summary>The default two-species parameters used by the sample ("A" and "B").</summary>
    public static ReferencePotential Default { get; } = new(
        epsilon: new[,] { { 0.12, 0.10 }, { 0.10, 0.08 } },
        sigma: new[,] { { 2.6, 2.8 }, { 2.8, 3.0 } },
        switchOn: 4.0,
        pairCutoff: 5.0,
        lambda: new[] { 0.15, 0.08 },
        gamma: 1.2,
        threeBodyCutoff: 4.2,
        cosTheta0: -1.0 / 3.0);

    private readonly double[,] _epsilon;
    private readonly double[,] _sigma;
    private readonly double[] _lambda;

    /// <summary>Creates the potential.</summary>
    /// <param name="epsilon">Pair well depths ε (symmetric, one row and column per species, eV).</param>
    /// <param name="sigma">Pair lengths σ (symmetric, Å).</param>
    /// <param name="switchOn">Distance where the pair switching starts (Å).</param>
    /// <param name="pairCutoff">Pair cutoff (Å), greater than <paramref name="switchOn"/>.</param>
    /// <param name="lambda">Three-body strength per central species (eV).</param>
    /// <param name="gamma">Three-body decay length γ (Å).</param>
    /// <param name="threeBodyCutoff">Three-body cutoff a (Å).</param>
    /// <param name="cosTheta0">Preferred bond-angle cosine.</param>
    public ReferencePotential(double[,] epsilon, double[,] sigma, double switchOn, double pairCutoff, double[] lambda,
        double gamma, double threeBodyCutoff, double cosTheta0)
    {
        ArgumentNullException.ThrowIfNull(epsilon);
        ArgumentNullException.ThrowIfNull(sigma);
        ArgumentNullException.ThrowIfNull(lambda);
        var n = lambda.Length;
        if (n == 0 || epsilon.GetLength(0) != n || epsilon.GetLength(1) != n || sigma.GetLength(0) != n ||
            sigma.GetLength(1) != n)
        {
            throw new ArgumentException(
                $"ReferencePotential: epsilon and sigma must be {n}x{n} (one row per species of lambda), got " +
                $"{epsilon.GetLength(0)}x{epsilon.GetLength(1)} and {sigma.GetLength(0)}x{sigma.GetLength(1)}.",
                nameof(epsilon));
        }

        if (!(switchOn > 0 && pairCutoff > switchOn))
        {
            throw new ArgumentException(
                $"ReferencePotential: need 0 < switchOn < pairCutoff, got switchOn = {switchOn}, pairCutoff = {pairCutoff}.",
                nameof(pairCutoff));
        }

        if (!(threeBodyCutoff > 0 && gamma > 0))
        {
            throw new ArgumentException(
                $"ReferencePotential: gamma and threeBodyCutoff must be positive, got {gamma} and {threeBodyCutoff}.",
                nameof(threeBodyCutoff));
        }

        _epsilon = (double[,])epsilon.Clone();
        _sigma = (double[,])sigma.Clone();
        _lambda = (double[])lambda.Clone();
        SwitchOn = switchOn;
        PairCutoff = pairCutoff;
        Gamma = gamma;
        ThreeBodyCutoff = threeBodyCutoff;
        CosTheta0 = cosTheta0;
    }

    /// <summary>Number of species.</summary>
    public int SpeciesCount => _lambda.Length;

    /// <summary>Where the pair switching starts (Å).</summary>
    public double SwitchOn { get; }

    /// <summary>Pair cutoff (Å).</summary>
    public double PairCutoff { get; }

    /// <summary>Three-body decay length γ (Å).</summary>
    public double Gamma { get; }

    /// <summary>Three-body cutoff a (Å).</summary>
    public double ThreeBodyCutoff { get; }

    /// <summary>Preferred bond-angle cosine.</summary>
    public double CosTheta0 { get; }

    /// <summary>The largest distance at which any term acts (Å): a model needs at least this cutoff.</summary>
    public double Cutoff => Math.Max(PairCutoff, ThreeBodyCutoff);

    /// <summary>Pair well depth for species <paramref name="a"/> and <paramref name="b"/>.</summary>
    /// <param name="a">First species.</param>
    /// <param name="b">Second species.</param>
    public double Epsilon(int a, int b) => _epsilon[a, b];

    /// <summary>Pair length for species <paramref name="a"/> and <paramref name="b"/>.</summary>
    /// <param name="a">First species.</param>
    /// <param name="b">Second species.</param>
    public double Sigma(int a, int b) => _sigma[a, b];

    /// <summary>Energy (eV) and forces (eV/Å, <c>[N, 3]</c>) of a configuration.</summary>
    /// <param name="positions">Positions <c>[N, 3]</c> (Å).</param>
    /// <param name="species">Species index per atom.</param>
    public (double Energy, double[,] Forces) Compute(double[,] positions, int[] species)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(species);
        var n = species.Length;
        if (positions.GetLength(0) != n || positions.GetLength(1) != 3)
        {
            throw new ArgumentException(
                $"ReferencePotential: positions must be [{n}, 3] for {n} species indices, got " +
                $"[{positions.GetLength(0)}, {positions.GetLength(1)}].", nameof(positions));
        }

        foreach (var s in species)
        {
            if (s < 0 || s >= SpeciesCount)
            {
                throw new ArgumentException(
                    $"ReferencePotential: species index {s} is out of range for {SpeciesCount} species.",
                    nameof(species));
            }
        }

        var forces = new double[n, 3];
        var energy = 0.0;

        // Pair term.
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var dx = positions[j, 0] - positions[i, 0];
                var dy = positions[j, 1] - positions[i, 1];
                var dz = positions[j, 2] - positions[i, 2];
                var r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                if (r >= PairCutoff)
                {
                    continue;
                }

                var (e, dEdr) = Pair(species[i], species[j], r);
                energy += e;
                // dE/d(pos_j) = dE/dr * (r_ij / r); force on j is minus that.
                var fx = dEdr * dx / r;
                var fy = dEdr * dy / r;
                var fz = dEdr * dz / r;
                forces[j, 0] -= fx;
                forces[j, 1] -= fy;
                forces[j, 2] -= fz;
                forces[i, 0] += fx;
                forces[i, 1] += fy;
                forces[i, 2] += fz;
            }
        }

        // Three-body term: for each centre i, pairs of neighbours j < k within the three-body cutoff.
        var neighbours = new List<int>();
        for (var i = 0; i < n; i++)
        {
            var lambda = _lambda[species[i]];
            if (lambda == 0.0)
            {
                continue;
            }

            neighbours.Clear();
            for (var j = 0; j < n; j++)
            {
                if (j != i && Distance(positions, i, j) < ThreeBodyCutoff)
                {
                    neighbours.Add(j);
                }
            }

            for (var a = 0; a < neighbours.Count; a++)
            {
                for (var b = a + 1; b < neighbours.Count; b++)
                {
                    energy += Triplet(positions, i, neighbours[a], neighbours[b], lambda, forces);
                }
            }
        }

        return (energy, forces);
    }

    /// <summary>Pair energy and its derivative with respect to the distance.</summary>
    private (double E, double DEdr) Pair(int a, int b, double r)
    {
        var eps = _epsilon[a, b];
        var sig = _sigma[a, b];
        var sr6 = Math.Pow(sig / r, 6);
        var sr12 = sr6 * sr6;
        var lj = 4 * eps * (sr12 - sr6);
        var dlj = 4 * eps * (-12 * sr12 + 6 * sr6) / r;
        var (s, ds) = Switch(r);
        return (lj * s, dlj * s + lj * ds);
    }

    /// <summary>Quintic smoothstep: 1 below <see cref="SwitchOn"/>, 0 above <see cref="PairCutoff"/>, C² in between.</summary>
    private (double S, double DSdr) Switch(double r)
    {
        if (r <= SwitchOn)
        {
            return (1.0, 0.0);
        }

        if (r >= PairCutoff)
        {
            return (0.0, 0.0);
        }

        var w = PairCutoff - SwitchOn;
        var t = (r - SwitchOn) / w;
        var t2 = t * t;
        var s = 1 - t * t2 * (10 - 15 * t + 6 * t2);
        var ds = -30 * t2 * (1 - 2 * t + t2) / w;
        return (s, ds);
    }

    private double G(double r, out double dg)
    {
        if (r >= ThreeBodyCutoff)
        {
            dg = 0.0;
            return 0.0;
        }

        var d = r - ThreeBodyCutoff;
        var g = Math.Exp(Gamma / d);
        dg = -g * Gamma / (d * d);
        return g;
    }

    private double Triplet(double[,] p, int i, int j, int k, double lambda, double[,] forces)
    {
        Span<double> u = stackalloc double[3];
        Span<double> v = stackalloc double[3];
        for (var c = 0; c < 3; c++)
        {
            u[c] = p[j, c] - p[i, c];
            v[c] = p[k, c] - p[i, c];
        }

        var ru = Math.Sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
        var rv = Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        var dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
        var cos = dot / (ru * rv);
        var gu = G(ru, out var dgu);
        var gv = G(rv, out var dgv);
        var delta = cos - CosTheta0;
        var energy = lambda * delta * delta * gu * gv;
        var dEdcos = 2 * lambda * delta * gu * gv;
        var dEdru = lambda * delta * delta * dgu * gv;
        var dEdrv = lambda * delta * delta * gu * dgv;
        for (var c = 0; c < 3; c++)
        {
            // d cos / d u = v / (|u||v|) - cos u / |u|^2 (and symmetrically for v).
            var dEdu = dEdcos * (v[c] / (ru * rv) - cos * u[c] / (ru * ru)) + dEdru * u[c] / ru;
            var dEdv = dEdcos * (u[c] / (ru * rv) - cos * v[c] / (rv * rv)) + dEdrv * v[c] / rv;
            forces[j, c] -= dEdu;
            forces[k, c] -= dEdv;
            forces[i, c] += dEdu + dEdv;
        }

        return energy;
    }

    private static double Distance(double[,] p, int i, int j)
    {
        var dx = p[j, 0] - p[i, 0];
        var dy = p[j, 1] - p[i, 1];
        var dz = p[j, 2] - p[i, 2];
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }
}
