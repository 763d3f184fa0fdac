using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>What <see cref="ToS2Grid"/> and <see cref="FromS2Grid"/> share: argument checks and their constants.</summary>
internal static class S2GridModules
{
    public static void CheckNormalization(string module, string normalization)
    {
        if (normalization is not ("component" or "norm" or "integral"))
        {
            throw new ArgumentException(
                $"{module}: normalization needs to be \"norm\", \"component\" or \"integral\", got \"{normalization}\".",
                nameof(normalization));
        }
    }

    public static void CheckFloating(string module, ScalarType dtype)
    {
        if (!ModuleChecks.IsFloating(dtype))
        {
            throw new ArgumentException($"{module}: dtype must be a floating type, got {dtype}.", nameof(dtype));
        }
    }

    /// <summary>Adds e3nn's buffers <c>alphas</c>, <c>betas</c>, <c>sha</c>, <c>shb</c>.</summary>
    public static void AddConstants(ConstantSet constants, int lmax, int resBeta, int resAlpha, double[] n, double[]? weights)
    {
        var (shb, sha, betas, alphas) = S2Grid.Constants(lmax, resBeta, resAlpha, n, weights);
        constants.AddFloat("alphas", alphas, resAlpha);
        constants.AddFloat("betas", betas, resBeta);
        constants.AddFloat("sha", sha, resAlpha, 2 * lmax + 1);
        constants.AddFloat("shb", shb, 2 * lmax + 1, resBeta, (lmax + 1) * (lmax + 1));
    }

    /// <summary>Throws unless the second-to-last dimension of a grid signal is <paramref name="resBeta"/> (eager).</summary>
    [E3Sharp.Jit.Scripting.EagerOnly]
    public static void CheckBetas(nn.Module module, Tensor signal, int resBeta)
    {
        if (signal.ndim >= 2 && signal.shape[^2] != resBeta)
        {
            throw new ArgumentException(
                $"{module}: input 'signal' must have {resBeta} betas (dimension -2), but got a tensor of shape " +
                $"{ModuleChecks.ShapeOf(signal.shape)}.", nameof(signal));
        }
    }

    /// <summary>Throws unless a signal on an SO(3) grid has shape <c>[..., a, b, c]</c> (eager).</summary>
    [E3Sharp.Jit.Scripting.EagerOnly]
    public static void CheckSo3Grid(nn.Module module, Tensor signal, int a, int b, int c)
    {
        if (signal.ndim < 3 || signal.shape[^3] != a || signal.shape[^2] != b || signal.shape[^1] != c)
        {
            throw new ArgumentException(
                $"{module}: from_grid's input 'signal' must have shape [..., {a}, {b}, {c}] (alpha x beta x gamma), but " +
                $"got a tensor of shape {ModuleChecks.ShapeOf(signal.shape)}.", nameof(signal));
        }
    }

    /// <summary>The points of the grid, <c>[res_beta, res_alpha, 3]</c>.</summary>
    public static Tensor Points(Tensor betas, Tensor alphas)
    {
        var grid = meshgrid(new[] { betas, alphas }, indexing: "ij");
        return Rotations.AnglesToXyz(grid[1], grid[0]);
    }
}
