using E3Sharp.Nn;
using E3Sharp.Nn.Models.GatePoints2101;
using V2106 = E3Sharp.Nn.Models.GatePoints2106;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Tests.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Catalogue;

/// <summary>
/// Every public module type of E3Sharp, registered once: how to build it (a few configurations), its inputs and its
/// e3nn references. <see cref="CatalogueTests"/> runs each entry through every <see cref="Runner"/> by the e3nn
/// reference, equivariance, gradient and bad-input checks, and fails when a public module type has no entry.
/// To register a module, add one <see cref="ModuleKind"/> to <see cref="Kinds"/> (see CONTRIBUTING.md).
/// </summary>
public static class ModuleCatalogue
{
    private static nn.Module<Tensor, Tensor>?[] Acts(params nn.Module<Tensor, Tensor>?[] acts) => acts;

    // Inputs for modules whose features are not irreps-valued: a fixed batch of 3, seeded by the caller.
    private static Func<nn.Module, ScalarType, Tensor[]> Shaped(params long[][] shapes) =>
        (_, dtype) => shapes.Select(s => randn(s, dtype)).ToArray();

    private const string ScalarsOnly =
        "its features are 0e scalars: rotations and the inversion act trivially, so the check could not fail";

    /// <summary>The registered kinds, one per public module type.</summary>
    public static readonly IReadOnlyList<ModuleKind> Kinds =
    [
        // ---- O3.Modules ----
        new(typeof(TensorProduct),
        [
            new("uvu", d => ModeTensorProducts.Make("uvu", true, d)),
            new("uvw-per-sample-weights", d => ModeTensorProducts.Make("uvw", true, d, sharedWeights: false)),
        ]),
        new(typeof(FullyConnectedTensorProduct),
        [
            new("default", d => new FullyConnectedTensorProduct("2x0e + 1x1o + 1x2e", "1x0e + 1x1o", "2x0e + 2x1o + 1x1e", dtype: d)),
            new("per-sample-weights", d => new FullyConnectedTensorProduct("2x0e + 1x1o", "1x0e + 1x1e", "2x0e + 1x1o + 1x1e",
                sharedWeights: false, dtype: d)),
        ])
        { References = CatalogueReferences.FullyConnectedTensorProduct },
        new(typeof(ElementwiseTensorProduct),
        [
            new("default", d => new ElementwiseTensorProduct("2x0e + 1x1o", "1x0o + 1x1e + 1x1o", dtype: d)),
        ]),
        new(typeof(FullTensorProduct),
        [
            new("default", d => new FullTensorProduct("1x0e + 1x1o", "1x1o + 1x2e", dtype: d)),
        ]),
        new(typeof(FullTensorProductv2),
        [
            new("default", d => new FullTensorProductv2("1x1o + 2x0e + 1x1o", "1x0e + 1x2e", dtype: d)),
            new("as-given-norm", d => new FullTensorProductv2("1x1o + 2x0e", "1x1e + 1x0o", irrepNormalization: "norm",
                regroupOutput: false, dtype: d)),
        ]),
        new(typeof(ElementwiseTensorProductv2),
        [
            new("default", d => new ElementwiseTensorProductv2("2x0e + 1x1o", "1x1e + 1x0e + 1x2o", dtype: d)),
        ]),
        new(typeof(TensorSquare),
        [
            new("default", d => new TensorSquare("1x0e + 1x1o", dtype: d)),
            new("weighted", d => new TensorSquare("2x0e + 2x1o", "1x0e + 1x1e + 1x2e", dtype: d)),
        ]),
        new(typeof(E3Sharp.O3.Modules.Linear),
        [
            new("default", d => new E3Sharp.O3.Modules.Linear("1e + 2e + 3x3o", "1e + 2e + 3x3o", dtype: d)),
            new("biases", d => new E3Sharp.O3.Modules.Linear("2x0e + 3x1o + 1x0e + 2x2e", "3x0e + 2x1o + 1x2e + 1x0o",
                biases: true, dtype: d)),
            new("path-normalization", d => new E3Sharp.O3.Modules.Linear("2x0e + 3x1o + 1x0e", "3x0e + 2x1o",
                pathNormalization: "path", dtype: d)),
        ])
        { References = CatalogueReferences.Linear },
        new(typeof(Norm),
        [
            new("default", d => new Norm("5x0e + 1e + 2e + 4x1e + 3x3o", dtype: d)),
            new("squared", d => new Norm("2x0e + 1x1o + 1x2e", squared: true, dtype: d)),
        ])
        { References = CatalogueReferences.Norm },
        new(typeof(SphericalHarmonicsAlphaBeta),
        [
            new("lmax2-integral", d => new SphericalHarmonicsAlphaBeta(new[] { 0, 1, 2 }).to(d),
                BadInputs: x => [x[0].to(ScalarType.Int64), x[1]]),
            new("pseudovector-component", d => new SphericalHarmonicsAlphaBeta(new Irreps("1e + 2e"), "component").to(d),
                BadInputs: x => [x[0].to(ScalarType.Int64), x[1]]),
        ])
        { NotEquivariant = "its inputs are angles (alpha, beta), not irreps: SphericalHarmonics covers the rotations" },
        new(typeof(Legendre),
        [
            new("l0-3", d => new Legendre(new[] { 0, 1, 2, 3 }).to(d), BadInputs: x => [x[0], x[1].to(ScalarType.Int64)]),
        ])
        { NotEquivariant = "a function of cos(beta) and sin(beta): no irreps" },
        new(typeof(ToS2Grid),
        [
            new("lmax2-component", d => new ToS2Grid(2, 6, dtype: d)),
            new("lmax1-integral", d => new ToS2Grid(1, 4, 5, "integral", dtype: d)),
        ])
        { NotEquivariant = "its output is a signal on a fixed grid of the sphere: rotations move the grid, not its values" },
        new(typeof(FromS2Grid),
        [
            new("lmax2-component", d => new FromS2Grid(6, 5, 2, dtype: d)),
            new("lmax1-norm", d => new FromS2Grid(4, 5, 1, "norm", dtype: d)),
        ])
        { NotEquivariant = "its input is a signal on a fixed grid of the sphere: rotations move the grid, not its values" },
        new(typeof(SO3Grid),
        [
            new("lmax1", d => new SO3Grid(1, 4, dtype: d)),
        ])
        { NotEquivariant = "its output is a signal on a fixed grid of SO(3): rotations move the grid, not its values" },
        new(typeof(ReducedTensorProducts),
        [
            new("antisymmetric", d => new ReducedTensorProducts("ij=-ji", new Dictionary<char, Irreps> { ['i'] = "1o" },
                dtype: d), Shaped([3, 3], [3, 3])),
            new("symmetric", d => new ReducedTensorProducts("ij=ji", new Dictionary<char, Irreps> { ['i'] = "0e + 1o" },
                dtype: d), Shaped([3, 4], [3, 4])),
        ]),
        new(typeof(SphericalHarmonics),
        [
            new("lmax3-normalized", d => new SphericalHarmonics(new[] { 0, 1, 2, 3 }, normalize: true).to(d)),
            new("lmax2-integral", d => new SphericalHarmonics(new[] { 0, 1, 2 }, normalize: false, "integral").to(d)),
            new("pseudovector", d => new SphericalHarmonics("0e + 1e + 2e", normalize: true, "component").to(d)),
        ]),

        // ---- Nn ----
        new(typeof(Activation),
        [
            new("default", d => new Activation("2x0e + 2x0o + 1x1o + 3x0o", Acts(nn.GELU(), nn.Tanh(), null, new Abs())).to(d)),
        ]),
        new(typeof(Gate),
        [
            new("default", d => new Gate("4x0e + 2x0o", Acts(nn.SiLU(), nn.Tanh()), "3x0e", Acts(nn.Sigmoid()), "2x1o + 1x2e", d)),
            new("odd-gates", d => new Gate("", Acts(), "2x0o", Acts(nn.Tanh()), "1x1e + 1x1o", d)),
            new("scalars-only", d => new Gate("3x0e", Acts(nn.ReLU()), "", Acts(), "", d)),
        ])
        { References = CatalogueReferences.Gate },
        new(typeof(NormActivation),
        [
            new("default", d => new NormActivation("2x0e + 1x1o + 1x2e", nn.Sigmoid(), dtype: d)),
            new("bias", d => new NormActivation("1x0e + 2x1o", nn.SiLU(), bias: true, dtype: d)),
        ])
        { References = CatalogueReferences.NormActivation },
        new(typeof(BatchNorm),
        [
            // Evaluation mode (running statistics): training mode updates them, which a trace cannot (e3nn marks
            // BatchNorm unsupported for the JIT); its numbers are in Nn/BatchNormTests.
            new("eval", d => { var m = new BatchNorm("2x0e + 1x1o + 1x2e", dtype: d); m.eval(); return m; }),
            new("eval-norm", d => { var m = new BatchNorm("1x0e + 2x1o", normalization: "norm", dtype: d); m.eval(); return m; }),
        ]),
        new(typeof(E3Sharp.Nn.Dropout),
        [
            // Evaluation mode: training draws random masks, so eager and compiled runs could not be compared.
            new("eval", d => { var m = new E3Sharp.Nn.Dropout("2x0e + 1x1o", 0.3); m.to(d); m.eval(); return m; }),
        ]),
        new(typeof(E3Sharp.Nn.Identity),
        [
            new("default", d => new E3Sharp.Nn.Identity("2x0e + 1x1o", "2x0e + 1x1o").to(d)),
        ]),
        new(typeof(Extract),
        [
            new("default", d => new Extract("1e + 0e + 0e + 2x1o", new Irreps[] { "0e + 0e", "2x1o + 1e" },
                new IReadOnlyList<int>[] { new[] { 1, 2 }, new[] { 3, 0 } }).to(d)),
        ]),
        new(typeof(ExtractIr),
        [
            new("default", d => new ExtractIr("1e + 0e + 0e + 2x1e", new Irrep(1, 1)).to(d)),
        ]),
        new(typeof(Sortcut),
        [
            new("default", d => new Sortcut("2x1o + 0e", "1e + 0o").to(d)),
        ]),
        new(typeof(Abs),
        [
            // |x| of pseudoscalars is a scalar: the inversion flips the input, not the output.
            new("default", d => new Abs().to(d), Shaped([3, 4]), IrrepsIn: [new Irreps("4x0o")], IrrepsOut: [new Irreps("4x0e")]),
        ])
        { NoBadInput = "Abs takes a tensor of any shape and dtype (torch.abs)" },
        new(typeof(Normalize2Mom),
        [
            // tanh is odd, so the normalised tanh maps pseudoscalars to pseudoscalars.
            new("tanh", d => new Normalize2Mom(nn.Tanh()).to(d), Shaped([3, 5]),
                IrrepsIn: [new Irreps("5x0o")], IrrepsOut: [new Irreps("5x0o")]),
        ])
        { NoBadInput = "Normalize2Mom is elementwise: any shape is valid" },
        new(typeof(SoftUnitStep),
        [
            new("default", d => new SoftUnitStep().to(d), Shaped([3, 4]), BadInputs: x => [x[0].to(ScalarType.Int64)]),
        ])
        { NotEquivariant = "a function of scalars with no irreps (e3nn applies it to norms)",
          References = CatalogueReferences.SoftUnitStep },
        new(typeof(SoftOneHotLinspace),
        [
            new("smooth-finite", d => new SoftOneHotLinspace(-1.0, 2.0, 5, "smooth_finite", cutoff: true).to(d), Shaped([6]),
                BadInputs: x => [x[0].to(ScalarType.Int64)]),
            new("gaussian", d => new SoftOneHotLinspace(0.0, 3.0, 4, "gaussian", cutoff: false).to(d), Shaped([2, 3]),
                BadInputs: x => [x[0].to(ScalarType.Int64)]),
        ])
        { NotEquivariant = "a basis of functions of a scalar (a distance): no irreps" },
        new(typeof(FullyConnectedNet),
        [
            new("silu", d => new FullyConnectedNet([4, 8, 3], nn.SiLU(), dtype: d)),
        ])
        { NotEquivariant = ScalarsOnly },
        new(typeof(FullyConnectedNetLayer),
        [
            new("silu", d => new FullyConnectedNetLayer(4, 3, new Normalize2Mom(nn.SiLU()), 1, 1, d)),
        ])
        { NotEquivariant = ScalarsOnly },
        new(typeof(S2Activation),
        [
            // x^2 keeps the signal band-limited (degree 2 lmax), so the grid's quadrature is exact and the check holds
            // to rounding; tanh is equivariant only up to the quadrature error (Nn/S2ActivationTests, fine grid).
            new("square", d => new S2Activation("1x0e + 1x1o", new SquareActivation(), 10, dtype: d), Shaped([3, 4])),
            new("square-lmax-out", d => new S2Activation("1x0e + 1x1e", new SquareActivation(), 12, lmaxOut: 2, dtype: d),
                Shaped([3, 4])),
        ]),
        new(typeof(SO3Activation),
        [
            new("square", d => new SO3Activation(1, 1, new SquareActivation(), 6, dtype: d), Shaped([3, 10])),
        ]),
        // gate_points_2101, tiny: a few nodes, small irreps and radial networks, one gate.
        new(typeof(Network),
        [
            new("one-layer", d => TinyNetwork(d), NetworkInputs,
                IrrepsIn: [new Irreps("1o"), new Irreps("2x0e + 1x1o"), new Irreps("2x0e"), null],
                IrrepsOut: [new Irreps("1x0e + 1x1o")]),
        ]),
        // The first layer's convolution feeds the gate its scalars, gates (2x0e) and gated irreps.
        new(typeof(Convolution),
        [
            new("tiny", d => ((Compose)TinyNetwork(d).Layers[0]).First, ConvolutionInputs,
                IrrepsIn: [new Irreps("2x0e + 1x1o"), new Irreps("2x0e"), null, E3Sharp.O3.Irreps.SphericalHarmonics(1), null],
                IrrepsOut: [new Irreps("2x0e + 2x0e + 1x1o + 1x1e")]),
        ]),
        new(typeof(Compose),
        [
            new("tiny", d => (Compose)TinyNetwork(d).Layers[0], ConvolutionInputs,
                IrrepsIn: [new Irreps("2x0e + 1x1o"), new Irreps("2x0e"), null, E3Sharp.O3.Irreps.SphericalHarmonics(1), null],
                IrrepsOut: [new Irreps("2x0e + 1x1o + 1x1e")]),
        ]),
        // v2106 (e3nn.nn.models.v2106), tiny: mul 1, lmax 1, one gate; the convolutions take e3nn's six tensors.
        new(typeof(V2106.Convolution),
        [
            new("tiny", d => ((V2106.Compose)TinySimple(d).Mp.Layers[0]).First, V2106Inputs,
                IrrepsIn: [new Irreps("2x0e + 1x1o"), new Irreps("0e"), null, null, E3Sharp.O3.Irreps.SphericalHarmonics(1), null],
                IrrepsOut: [new Irreps("1x0e + 2x0e + 1x1o + 1x1e")]),
        ]),
        new(typeof(V2106.Compose),
        [
            new("tiny", d => (V2106.Compose)TinySimple(d).Mp.Layers[0], V2106Inputs,
                IrrepsIn: [new Irreps("2x0e + 1x1o"), new Irreps("0e"), null, null, E3Sharp.O3.Irreps.SphericalHarmonics(1), null],
                IrrepsOut: [new Irreps("1x0e + 1x1o + 1x1e")]),
        ]),
        new(typeof(V2106.MessagePassing),
        [
            new("tiny", d => TinySimple(d).Mp, V2106Inputs,
                IrrepsIn: [new Irreps("2x0e + 1x1o"), new Irreps("0e"), null, null, E3Sharp.O3.Irreps.SphericalHarmonics(1), null],
                IrrepsOut: [new Irreps("1x0e + 1x1o")]),
        ]),
        new(typeof(V2106.SimpleNetwork),
        [
            new("tiny", d => TinySimple(d), (_, dtype) => [randn(new long[] { 4, 3 }, dtype), randn(new long[] { 4, 5 }, dtype),
                    zeros(new long[] { 4 }, ScalarType.Int64)],
                IrrepsIn: [new Irreps("1o"), new Irreps("2x0e + 1x1o"), null], IrrepsOut: [new Irreps("1x0e + 1x1o")]),
        ]),
        new(typeof(V2106.NetworkForAGraphWithAttributes),
        [
            // Bad input: one more node feature, refused by the first convolution's tensor products (eagerly and compiled).
            new("tiny", d => new V2106.NetworkForAGraphWithAttributes("2x0e + 1x1o", "1x0e + 1x1e", "1x1o", "1x0e + 1x1o",
                    maxRadius: 2.0, numNeighbors: 2.0, numNodes: 4, mul: 1, layers: 1, lmax: 1, dtype: d),
                (_, dtype) =>
                [
                    randn(new long[] { 4, 3 }, dtype), randn(new long[] { 4, 5 }, dtype), randn(new long[] { 4, 4 }, dtype),
                    tensor(new long[] { 0, 1, 2, 3, 1, 2, 1, 0, 3, 2, 3, 0 }).reshape(2, 6), randn(new long[] { 6, 3 }, dtype),
                    zeros(new long[] { 4 }, ScalarType.Int64),
                ],
                IrrepsIn: [new Irreps("1o"), new Irreps("2x0e + 1x1o"), new Irreps("1x0e + 1x1e"), null, new Irreps("1x1o"), null],
                IrrepsOut: [new Irreps("1x0e + 1x1o")],
                BadInputs: x => [x[0], cat([x[1], zeros_like(x[1].narrow(1, 0, 1))], 1), x[2], x[3], x[4], x[5]]),
        ]),
        new(typeof(RadiusGraph),
        [
            // Two clouds of 4 points; rotating the positions must not change the edges (an invariant output).
            new("two-clouds", _ => new RadiusGraph(1.5),
                (_, dtype) => [randn(new long[] { 8, 3 }, dtype), tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1 })],
                IrrepsIn: [new Irreps("1o"), null], IrrepsOut: [null],
                BadInputs: x => [x[0], x[1].to(ScalarType.Float32)]),
        ])
        { NoGradient = "its output is integer edge indices" },
    ];

    // gate_points_2101's network, as small as it gets: 2x0e + 1x1o in, edges' l <= 1, one gate, radial net 1 x 4.
    private static Network TinyNetwork(ScalarType dtype) => new("2x0e + 1x1o", "2x0e + 1x1o + 1x1e",
        "1x0e + 1x1o", "2x0e", E3Sharp.O3.Irreps.SphericalHarmonics(1), layers: 1, maxRadius: 2.0, numberOfBasis: 3, radialLayers: 1,
        radialNeurons: 4, numNeighbors: 2.0, numNodes: 4, dtype: dtype);

    // Four points in one cloud (positions, features, attributes, batch).
    private static Tensor[] NetworkInputs(nn.Module _, ScalarType dtype) =>
    [
        randn(new long[] { 4, 3 }, dtype), randn(new long[] { 4, 5 }, dtype), randn(new long[] { 4, 2 }, dtype),
        zeros(new long[] { 4 }, ScalarType.Int64),
    ];

    // Four nodes and six edges (features, attributes, edge index, edge harmonics l <= 1, edge length embedding).
    private static Tensor[] ConvolutionInputs(nn.Module _, ScalarType dtype) =>
    [
        randn(new long[] { 4, 5 }, dtype), randn(new long[] { 4, 2 }, dtype),
        tensor(new long[] { 0, 1, 2, 3, 1, 2, 1, 0, 3, 2, 3, 0 }).reshape(2, 6),
        randn(new long[] { 6, 4 }, dtype), randn(new long[] { 6, 3 }, dtype),
    ];

    // v2106's SimpleNetwork, as small as it gets: 2x0e + 1x1o in, lmax 1, mul 1, one gate.
    private static V2106.SimpleNetwork TinySimple(ScalarType dtype) => new("2x0e + 1x1o", "1x0e + 1x1o", maxRadius: 2.0,
        numNeighbors: 2.0, numNodes: 4, mul: 1, layers: 1, lmax: 1, dtype: dtype);

    // Four nodes and six edges in e3nn's order (features, attributes 0e, edge_src, edge_dst, edge harmonics l <= 1,
    // edge scalars of the 10-function embedding).
    private static Tensor[] V2106Inputs(nn.Module _, ScalarType dtype) =>
    [
        randn(new long[] { 4, 5 }, dtype), ones(new long[] { 4, 1 }, dtype),
        tensor(new long[] { 0, 1, 2, 3, 1, 2 }), tensor(new long[] { 1, 0, 3, 2, 3, 0 }),
        randn(new long[] { 6, 4 }, dtype), randn(new long[] { 6, 10 }, dtype),
    ];

    /// <summary>The kind registered for a type.</summary>
    public static ModuleKind Kind(string name) =>
        Kinds.SingleOrDefault(k => k.Name == name) ?? throw new ArgumentException($"no catalogue entry named {name}");

    /// <summary>A variant by its id "Kind/variant".</summary>
    public static (ModuleKind Kind, Variant Variant) Find(string id)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        var kind = Kind(id[..slash]);
        return (kind, kind.Variants.Single(v => v.Name == id[(slash + 1)..]));
    }

    /// <summary>Builds a variant's module (seeded, so every runner sees the same weights).</summary>
    public static nn.Module Build(Variant variant, ScalarType dtype)
    {
        manual_seed(0);
        return variant.Make(dtype);
    }

    /// <summary>Inputs for a variant's module (seeded by <paramref name="seed"/>).</summary>
    public static Tensor[] Inputs(Variant variant, nn.Module module, ScalarType dtype, int seed = 1)
    {
        manual_seed(seed);
        if (variant.Inputs is { } make)
        {
            return make(module, dtype);
        }

        var maker = module as E3Sharp.Jit.ITracingInputs
            ?? throw new InvalidOperationException($"{module.GetType().Name}: give the catalogue entry an Inputs function");
        return maker.MakeTracingInputs(1)[0];
    }

    /// <summary>The irreps of each input and output for the equivariance check.</summary>
    public static (Irreps?[] In, Irreps?[] Out) Irreps(Variant variant, nn.Module module, int inputCount)
    {
        var irreps = module as IIrrepsModule;
        var ins = variant.IrrepsIn ?? irreps?.IrrepsIn.Cast<Irreps?>().ToArray()
            ?? throw new InvalidOperationException($"{module.GetType().Name}: give the catalogue entry IrrepsIn");
        var outs = variant.IrrepsOut ?? irreps?.IrrepsOuts.Cast<Irreps?>().ToArray()
            ?? throw new InvalidOperationException($"{module.GetType().Name}: give the catalogue entry IrrepsOut");
        // Inputs beyond the irreps (per-sample weights) are not transformed.
        return (ins.Concat(Enumerable.Repeat<Irreps?>(null, Math.Max(0, inputCount - ins.Length))).ToArray(), outs);
    }
}
