using E3Sharp.Jit;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model.Allegro;

/// <summary>
/// The Allegro-style network from edge vectors to per-atom energies, strictly local by construction (every quantity
/// lives on an edge ij and only sums over edges of the same centre i):
/// <code>
/// x_ij = u(r_ij) · MLP_2body([onehot(Z_i), onehot(Z_j), Bessel(r_ij) u(r_ij)])     scalar latent
/// V_ij = (W_0 x_ij)_{u,l} Y_{ij,l,m}                                                equivariant features
/// L × AllegroLayer (tensor product of V_ij with the environment of i, latent update)
/// E_ij = u(r_ij) · MLP_edge(x_ij);   E_i = scale · Σ_j E_ij / avg_num_neighbors + shift[Z_i]
/// </code>
/// <c>u</c> is NequIP's polynomial envelope, so energies and forces are smooth when a neighbour crosses r_max. An
/// atom without edges as centre (a ghost atom of LAMMPS) gets its shift only. Scripted.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class AllegroModel : nn.Module<Tensor, Tensor, Tensor, Tensor>, IAtomicEnergyModel
{
    [ComponentName(Name = "species_eye")]
    private readonly Tensor _speciesEye;

    [ComponentName(Name = "sh")]
    private readonly SphericalHarmonics _sh;

    [ComponentName(Name = "radial_embedding")]
    private readonly RadialEmbedding _radialEmbedding;

    [ComponentName(Name = "two_body")]
    private readonly RadialMlp _twoBody;

    [ComponentName(Name = "initial_weights")]
    private readonly RadialMlp _initialWeights;

    [ComponentName(Name = "layers")]
    private readonly TorchSharp.Modules.ModuleList<AllegroLayer> _layers;

    [ComponentName(Name = "edge_energy")]
    private readonly RadialMlp _edgeEnergy;

    [ComponentName(Name = "weight_index")]
    private readonly Tensor _weightIndex;

    [ComponentName(Name = "harmonic_index")]
    private readonly Tensor _harmonicIndex;

    [ComponentName(Name = "scale")]
    private readonly Tensor _scale;

    [ComponentName(Name = "shifts")]
    private readonly Tensor _shifts;

    private readonly double _rMax;
    private readonly double _p;
    private readonly double _edgeSumScale;

    /// <summary>Creates the model with random weights, scale 1 and zero shifts.</summary>
    /// <param name="config">Hyper-parameters.</param>
    /// <param name="dtype">Floating dtype (float32 or float64).</param>
    public AllegroModel(AllegroConfig config, ScalarType dtype = ScalarType.Float32) : base(nameof(AllegroModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"AllegroModel: dtype must be Float32 or Float64, got {dtype}.", nameof(dtype));
        }

        if (config.NumSpecies < 1 || config.Layers < 0 || config.Channels < 1 || config.LatentDim < 1 ||
            !(config.AvgNumNeighbors > 0) || !(config.RMax > 0))
        {
            throw new ArgumentException(
                "AllegroModel: needs at least one species, non-negative layers, positive channels, latent width, " +
                $"r_max and average neighbours; got {config}.", nameof(config));
        }

        Config = config;
        Dtype = dtype;
        var s = config.NumSpecies;
        var sh = config.EdgeIrreps;
        _speciesEye = eye(s, dtype: dtype);
        _sh = new SphericalHarmonics(sh, normalize: true, normalization: "component");
        _radialEmbedding = new RadialEmbedding(config.RMax, config.NumBasis, config.PolynomialDegree, dtype);
        _twoBody = new RadialMlp(new[] { 2 * s + config.NumBasis }.Concat(config.TwoBodyHidden)
            .Append(config.LatentDim).ToArray(), nn.SiLU(), dtype);
        _initialWeights = new RadialMlp(new[] { config.LatentDim, config.Channels * sh.Length }, nn.SiLU(), dtype);
        _layers = new TorchSharp.Modules.ModuleList<AllegroLayer>();
        for (var k = 0; k < config.Layers; k++)
        {
            _layers.Add(new AllegroLayer(config, dtype));
        }

        _edgeEnergy = new RadialMlp(new[] { config.LatentDim }.Concat(config.EdgeEnergyHidden).Append(1).ToArray(),
            nn.SiLU(), dtype);
        var (w, y) = ChannelHarmonics.Indices(sh, config.Channels);
        _weightIndex = tensor(w);
        _harmonicIndex = tensor(y);
        _scale = ones(1, dtype: dtype);
        _shifts = zeros(s, dtype: dtype);
        _rMax = config.RMax;
        _p = config.PolynomialDegree;
        _edgeSumScale = 1.0 / config.AvgNumNeighbors;
        RegisterComponents();
    }

    /// <summary>Hyper-parameters.</summary>
    public AllegroConfig Config { get; }

    /// <summary>Floating dtype of the parameters.</summary>
    public ScalarType Dtype { get; }

    /// <inheritdoc />
    double IAtomicEnergyModel.RMax => Config.RMax;

    /// <inheritdoc />
    IReadOnlyList<string> IAtomicEnergyModel.TypeNames => Config.TypeNames;

    /// <summary>The layers.</summary>
    public IReadOnlyList<AllegroLayer> Layers => _layers.ToList();

    /// <summary>Sets the energy scale and the per-species shifts (from training data statistics).</summary>
    /// <param name="scale">Multiplies the network output (eV).</param>
    /// <param name="shifts">Energy per species (eV), one per species.</param>
    public void SetScaleShift(double scale, IReadOnlyList<double> shifts) =>
        ScaleShift.Set(nameof(AllegroModel), _scale, _shifts, scale, shifts);

    /// <summary>Per-atom energies from the edge vectors (the geometry is the wrapper's job, so that forces and the
    /// virial are derivatives of this function's input).</summary>
    /// <param name="edgeVec">Edge vectors <c>[E, 3]</c> (Å), from centre to neighbour, all shorter than r_max.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64): row 0 centres, row 1 neighbours.</param>
    /// <param name="atomTypes">Species index per atom <c>[N]</c> (int64).</param>
    /// <returns>Per-atom energies <c>[N, 1]</c> (eV).</returns>
    public override Tensor forward(Tensor edgeVec, Tensor edgeIndex, Tensor atomTypes)
    {
        var centre = edgeIndex.select(0, 0);
        var neighbour = edgeIndex.select(0, 1);
        var nodeAttrs = _speciesEye.index_select(0, atomTypes);
        var nodeZeros = zeros_like(nodeAttrs.narrow(1, 0, 1));
        var edgeLength = sqrt((edgeVec * edgeVec).sum(new long[] { -1 }));
        var edgeSh = _sh.forward(edgeVec);
        var cutoff = Envelope(edgeLength).unsqueeze(-1);
        var twoBodyIn = cat(new[]
        {
            nodeAttrs.index_select(0, centre), nodeAttrs.index_select(0, neighbour), _radialEmbedding.forward(edgeLength),
        }, 1);
        var latent = _twoBody.forward(twoBodyIn) * cutoff;
        var weights = _initialWeights.forward(latent);
        var features = weights.index_select(1, _weightIndex) * edgeSh.index_select(1, _harmonicIndex);
        foreach (var layer in _layers)
        {
            (latent, features) = layer.forward(latent, features, edgeSh, cutoff, edgeIndex, nodeZeros);
        }

        var edgeEnergy = _edgeEnergy.forward(latent) * cutoff;
        var summed = nodeZeros.index_add(0, centre, edgeEnergy, 1) * _edgeSumScale;
        return summed * _scale + _shifts.index_select(0, atomTypes).unsqueeze(-1);
    }

    /// <summary>NequIP's polynomial cutoff envelope <c>u(r / r_max)</c> (0 at and beyond r_max).</summary>
    private Tensor Envelope(Tensor r)
    {
        var p = _p;
        var x = r / _rMax;
        var xp = pow(x, p);
        var u = 1.0 - (p + 1.0) * (p + 2.0) / 2.0 * xp + p * (p + 2.0) * xp * x - p * (p + 1.0) / 2.0 * xp * x * x;
        return where(x.lt(1.0), u, zeros_like(u));
    }
}
