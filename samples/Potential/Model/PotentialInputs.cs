using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// The checks and defaults of <see cref="StrainedPotential{TModel}.Evaluate"/>'s inputs (eager C# only:
/// <c>Evaluate</c> is not part of the scripts).
/// </summary>
internal static class PotentialInputs
{
    /// <summary>
    /// Checks the shapes and dtype and fills in the defaults: no image shifts, zero cells, one configuration.
    /// </summary>
    /// <param name="owner">The potential's name, for the messages.</param>
    /// <param name="dtype">The model's dtype.</param>
    /// <param name="pos">Positions <c>[N, 3]</c>, in <paramref name="dtype"/>.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c>.</param>
    /// <param name="atomTypes">Species indices <c>[N]</c>.</param>
    /// <param name="edgeCellShift">Image shifts <c>[E, 3]</c> (null: none).</param>
    /// <param name="cell">Cells <c>[G, 3, 3]</c> or <c>[3, 3]</c> (null: zeros).</param>
    /// <param name="batch">Configuration index per atom <c>[N]</c> (null: one configuration).</param>
    /// <returns>Image shifts <c>[E, 3]</c> and cells <c>[G, 3, 3]</c> in <paramref name="dtype"/>, batch <c>[N]</c>.</returns>
    public static (Tensor EdgeCellShift, Tensor Cell, Tensor Batch) ForEvaluate(string owner, ScalarType dtype,
        Tensor pos, Tensor edgeIndex, Tensor atomTypes, Tensor? edgeCellShift, Tensor? cell, Tensor? batch)
    {
        ArgumentNullException.ThrowIfNull(pos);
        ArgumentNullException.ThrowIfNull(edgeIndex);
        ArgumentNullException.ThrowIfNull(atomTypes);
        if (pos.dtype != dtype)
        {
            throw new ArgumentException($"{owner}.Evaluate: pos is {pos.dtype}, the model is {dtype}.", nameof(pos));
        }

        if (pos.ndim != 2 || pos.shape[1] != 3 || atomTypes.ndim != 1 || atomTypes.shape[0] != pos.shape[0] ||
            edgeIndex.ndim != 2 || edgeIndex.shape[0] != 2)
        {
            throw new ArgumentException(
                $"{owner}.Evaluate: expected pos [N, 3], atom_types [N], edge_index [2, E]; got " +
                $"[{string.Join(", ", pos.shape)}], [{string.Join(", ", atomTypes.shape)}], [{string.Join(", ", edgeIndex.shape)}].");
        }

        var edges = edgeIndex.shape[1];
        var shift = edgeCellShift?.to_type(dtype) ?? zeros(edges, 3, dtype: dtype);
        if (shift.ndim != 2 || shift.shape[0] != edges || shift.shape[1] != 3)
        {
            throw new ArgumentException(
                $"{owner}.Evaluate: edge_cell_shift must be [{edges}, 3], got [{string.Join(", ", shift.shape)}].",
                nameof(edgeCellShift));
        }

        var b = batch ?? zeros(pos.shape[0], dtype: ScalarType.Int64);
        var graphs = pos.shape[0] == 0 ? 1 : b.max().item<long>() + 1;
        var c = cell is null ? zeros(graphs, 3, 3, dtype: dtype) : cell.to_type(dtype).reshape(-1, 3, 3);
        if (c.shape[0] != graphs)
        {
            throw new ArgumentException($"{owner}.Evaluate: {c.shape[0]} cells for {graphs} configurations.",
                nameof(cell));
        }

        return (shift, c, b);
    }
}
