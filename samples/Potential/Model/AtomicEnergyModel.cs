using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;

using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// The NequIP-style network from positions to per-atom energies:
/// one-hot species → <c>Linear</c> embedding; edge vectors → spherical harmonics and a Bessel ×
/// cutoff length embedding; <see cref="ModelConfig.Layers"/> <see cref="Interaction"/> layers; two <c>Linear</c>
/// readouts to one scalar per atom, scaled and shifted per species:
/// <c>E_i = scale · out_i + shift[type_i]</c>. Scripted (the atom and edge counts of its inputs are tied together).
/// </summary>
[CompileMode(JitMode.Script)]
public partial class AtomicEnergyModel : nn.Module<Tensor, Tensor, Tensor, Tensor>, IAtomicEnergyModel
{
    [ComponentName(Name = "species_eye")]
    private readonly Tensor _speciesEye;

    [ComponentName(Name = "embedding")]
    private readonly Linear _embedding;

    [ComponentName(Name = "sh")]
    private readonly SphericalHarmonics _sh;

    [ComponentName(Name = "radial_embedding")]
    private readonly RadialEmbedding _radialEmbedding;

    [ComponentName(Name = "layers")]
    private readonly TorchSharp.Modules.ModuleList<Interaction> _layers;

    [ComponentName(Name = "readout_hidden")]
    private readonly Linear _readoutHidden;

    [ComponentName(Name = "readout")]
    private readonly Linear _readout;

    [ComponentName(Name = "scale")]
    private readonly Tensor _scale;

    [ComponentName(Name = "shifts")]
    private readonly Tensor _shifts;

    /// <summary>Creates the model with random weights, scale 1 and zero shifts.</summary>
    /// <param name="config">Hyper-parameters.</param>
    /// <param name="dtype">Floating dtype (float32 or float64).</param>
    public AtomicEnergyModel(ModelConfig config, ScalarType dtype = ScalarType.Float32) : base(nameof(AtomicEnergyModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"AtomicEnergyModel: dtype must be Float32 or Float64, got {dtype}.",
                nameof(dtype));
        }

        if (config.NumSpecies < 1)
        {
            throw new ArgumentException("AtomicEnergyModel: the config must name at least one species.", nameof(config));
        }

        Config = config;
        Dtype = dtype;
        var s = config.NumSpecies;
        _speciesEye = eye(s, dtype: dtype);
        _embedding = new Linear(new Irreps($"{s}x0e"), new Irreps($"{config.EmbeddingScalars}x0e"), dtype: dtype);
        _sh = new SphericalHarmonics(config.EdgeIrreps, normalize: true, normalization: "component");
        _radialEmbedding = new RadialEmbedding(config.RMax, config.NumBasis, config.PolynomialDegree, dtype);
        _layers = new TorchSharp.Modules.ModuleList<Interaction>();
        Irreps irreps = new Irreps($"{config.EmbeddingScalars}x0e");
        var hidden = new Irreps(config.HiddenIrreps);
        for (var k = 0; k < config.Layers; k++)
        {
            var layer = new Interaction(irreps, hidden, config.EdgeIrreps, s, config.NumBasis, config.RadialHidden,
                config.AvgNumNeighbors, dtype);
            _layers.Add(layer);
            irreps = layer.IrrepsOut;
        }

        _readoutHidden = new Linear(irreps, new Irreps($"{config.ReadoutScalars}x0e"), dtype: dtype);
        _readout = new Linear(new Irreps($"{config.ReadoutScalars}x0e"), new Irreps("1x0e"), dtype: dtype);
        _scale = ones(1, dtype: dtype);
        _shifts = zeros(s, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Hyper-parameters.</summary>
    public ModelConfig Config { get; }

    /// <summary>Floating dtype of the parameters.</summary>
    public ScalarType Dtype { get; }

    /// <inheritdoc />
    double IAtomicEnergyModel.RMax => Config.RMax;

    /// <inheritdoc />
    IReadOnlyList<string> IAtomicEnergyModel.TypeNames => Config.TypeNames;

    /// <summary>The interaction layers.</summary>
    public IReadOnlyList<Interaction> Layers => _layers.ToList();

    /// <summary>Sets the energy scale and the per-species shifts (from training data statistics).</summary>
    /// <param name="scale">Multiplies the network output (eV).</param>
    /// <param name="shifts">Energy per species (eV), one per species.</param>
    public void SetScaleShift(double scale, IReadOnlyList<double> shifts) =>
        ScaleShift.Set(nameof(AtomicEnergyModel), _scale, _shifts, scale, shifts);

    /// <summary>
    /// Per-atom energies from the edge vectors. The geometry (<c>pos[j] − pos[i] + shift · cell</c>, strain) is
    /// <see cref="EnergyForces"/>' job, so that forces and the virial are derivatives of this function's input.
    /// </summary>
    /// <param name="edgeVec">Edge vectors <c>[E, 3]</c> (Å), from centre to neighbour.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64): row 0 centres, row 1 neighbours, within r_max.</param>
    /// <param name="atomTypes">Species index per atom <c>[N]</c> (int64).</param>
    /// <returns>Per-atom energies <c>[N, 1]</c> (eV).</returns>
    public override Tensor forward(Tensor edgeVec, Tensor edgeIndex, Tensor atomTypes)
    {
        var nodeAttrs = _speciesEye.index_select(0, atomTypes);
        var h = _embedding.forward(nodeAttrs);
        var edgeLength = sqrt((edgeVec * edgeVec).sum(new long[] { -1 }));
        var edgeSh = _sh.forward(edgeVec);
        var edgeEmbedding = _radialEmbedding.forward(edgeLength);
        foreach (var layer in _layers)
        {
            h = layer.forward(h, nodeAttrs, edgeSh, edgeEmbedding, edgeIndex);
        }

        var e = _readout.forward(_readoutHidden.forward(h));
        return e * _scale + _shifts.index_select(0, atomTypes).unsqueeze(-1);
    }

    /// <summary>
    /// Example inputs: small random clusters with all their edges within r_max (edge vectors, edge index, species).
    /// </summary>
    /// <param name="n">Number of input tuples.</param>
    /// <param name="config">Hyper-parameters (species count, r_max).</param>
    /// <param name="dtype">Dtype of the positions.</param>
    public static IReadOnlyList<Tensor[]> ExampleInputs(int n, ModelConfig config, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        var random = new Random(12345);
        var list = new List<Tensor[]>();
        for (var k = 0; k < Math.Max(n, 1); k++)
        {
            var c = Reference.DataGenerator.RandomCluster(5 + 2 * k, config.NumSpecies, 2.6, random);
            var graph = Training.Graph.FromConfiguration(c, config.RMax, dtype);
            var edgeVec = graph.Positions.index_select(0, graph.EdgeIndex[1]) - graph.Positions.index_select(0, graph.EdgeIndex[0]);
            list.Add(new[] { edgeVec, graph.EdgeIndex, graph.AtomTypes });
        }

        return list;
    }
}
