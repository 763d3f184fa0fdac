using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model.Allegro;

/// <summary>
/// One Allegro layer (Musaelian et al. 2023), everything per edge ij with centre i:
/// <code>
/// Γ_i    = Σ_{k: centre(k) = i} (W_env x_k)_{u,l} Y_{k,l,m} / sqrt(avg_num_neighbors)   (environment of i)
/// t_ij   = V_ij ⊗ Γ_i                          ("uuu" paths, no weights: channel u with channel u)
/// V_ij'  = Linear(t_ij)                          (equivariant features of the next layer)
/// s_ij   = Linear(t_ij) to scalars               (the invariant part of the product)
/// x_ij'  = (x_ij + u(r_ij) · MLP([x_ij, s_ij])) / sqrt(2)   (residual update of the scalar latent)
/// </code>
/// The environment only sums over edges of the same centre, so nothing leaves the centre's r_max sphere.
/// Scripted (edge and atom counts are tied); its children compile by their own modes.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class AllegroLayer : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, (Tensor, Tensor)>
{
    [ComponentName(Name = "env_weights")]
    private readonly RadialMlp _envWeights;

    [ComponentName(Name = "tp")]
    private readonly TensorProduct _tp;

    [ComponentName(Name = "linear_features")]
    private readonly Linear _linearFeatures;

    [ComponentName(Name = "linear_scalars")]
    private readonly Linear _linearScalars;

    [ComponentName(Name = "latent_mlp")]
    private readonly RadialMlp _latentMlp;

    [ComponentName(Name = "weight_index")]
    private readonly Tensor _weightIndex;

    [ComponentName(Name = "harmonic_index")]
    private readonly Tensor _harmonicIndex;

    private readonly double _envScale;
    private readonly long _featureDim;

    /// <summary>Creates the layer.</summary>
    /// <param name="config">Hyper-parameters (channels, harmonics, latent width, latent MLP, average neighbours).</param>
    /// <param name="dtype">Floating dtype.</param>
    public AllegroLayer(AllegroConfig config, ScalarType dtype = ScalarType.Float32) : base(nameof(AllegroLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!(config.AvgNumNeighbors > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.AvgNumNeighbors,
                "AllegroLayer: the average number of neighbours must be positive.");
        }

        var sh = config.EdgeIrreps;
        var features = config.FeatureIrreps;
        FeatureIrreps = features;

        // Every path of features x features that lands on an irrep of the features ("uuu": channel-wise, no weights).
        var mid = new List<MulIr>();
        var raw = new List<Instruction>();
        for (var i = 0; i < features.Length; i++)
        {
            for (var j = 0; j < features.Length; j++)
            {
                foreach (var irOut in features[i].Ir * features[j].Ir)
                {
                    if (features.Any(m => m.Ir == irOut))
                    {
                        raw.Add(new Instruction(i, j, mid.Count, "uuu", false));
                        mid.Add(new MulIr(config.Channels, irOut));
                    }
                }
            }
        }

        var products = new Irreps(mid);
        var scalarPaths = mid.Count(m => m.Ir.L == 0 && m.Ir.P == 1);
        ScalarCount = scalarPaths * config.Channels;
        _tp = new TensorProduct(features, features, products, raw, internalWeights: false, sharedWeights: true,
            dtype: dtype);
        _linearFeatures = new Linear(products, features, dtype: dtype);
        _linearScalars = new Linear(products, new Irreps($"{ScalarCount}x0e"), dtype: dtype);
        _envWeights = new RadialMlp(new[] { config.LatentDim, config.Channels * sh.Length }, nn.SiLU(), dtype);
        _latentMlp = new RadialMlp(new[] { config.LatentDim + ScalarCount }.Concat(config.LatentHidden)
            .Append(config.LatentDim).ToArray(), nn.SiLU(), dtype);
        var (w, y) = ChannelHarmonics.Indices(sh, config.Channels);
        _weightIndex = tensor(w);
        _harmonicIndex = tensor(y);
        _envScale = 1.0 / Math.Sqrt(config.AvgNumNeighbors);
        _featureDim = features.Dim;
        RegisterComponents();
    }

    /// <summary>Irreps of the equivariant edge features (in and out).</summary>
    public Irreps FeatureIrreps { get; }

    /// <summary>Number of scalars the tensor product feeds into the latent MLP.</summary>
    public int ScalarCount { get; }

    /// <summary>Runs the layer.</summary>
    /// <param name="latent">Scalar edge latents <c>[E, LatentDim]</c>.</param>
    /// <param name="features">Equivariant edge features <c>[E, FeatureIrreps.Dim]</c>.</param>
    /// <param name="edgeSh">Edge spherical harmonics <c>[E, Y.Dim]</c>.</param>
    /// <param name="cutoff">Cutoff envelope per edge <c>[E, 1]</c>.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64): row 0 centres, row 1 neighbours.</param>
    /// <param name="nodeZeros">Zeros <c>[N, 1]</c> (gives the atom count to the environment sum).</param>
    /// <returns>The updated latents and features.</returns>
    public override (Tensor, Tensor) forward(Tensor latent, Tensor features, Tensor edgeSh, Tensor cutoff,
        Tensor edgeIndex, Tensor nodeZeros)
    {
        var centre = edgeIndex.select(0, 0);
        var weights = _envWeights.forward(latent) * cutoff;
        var embedded = weights.index_select(1, _weightIndex) * edgeSh.index_select(1, _harmonicIndex);
        var environment = nodeZeros.expand(-1, _featureDim).index_add(0, centre, embedded, 1) * _envScale;
        var products = _tp.forward(features, environment.index_select(0, centre));
        var newFeatures = _linearFeatures.forward(products);
        var scalars = _linearScalars.forward(products);
        var update = _latentMlp.forward(cat(new[] { latent, scalars }, 1)) * cutoff;
        var newLatent = (latent + update) * 0.7071067811865476;
        return (newLatent, newFeatures);
    }
}
