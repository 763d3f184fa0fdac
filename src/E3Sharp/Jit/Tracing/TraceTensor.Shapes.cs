using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

// Shape, conversion and creation methods of the tracing twin (see TraceTensor.Ops.cs for the conventions).
public sealed partial class TraceTensor
{
    // ---------------------------------------------------------------- shapes

    /// <summary>Reshape; symbolic sizes (from <c>x.shape[i]</c>) stay symbolic.</summary>
    /// <param name="shape">The new shape (one entry may be -1).</param>
    public TraceTensor reshape(params SymInt[] shape) => M("reshape", r => r[this].reshape(r.L(shape)), shape);

    /// <summary>Reshape to another tensor's shape (kept symbolic).</summary>
    /// <param name="shape">The shape.</param>
    public TraceTensor reshape(TraceShape shape) => reshape(shape.ToArray());

    /// <summary>View with another tensor's shape, whatever its rank (recorded as <c>view_as</c>).</summary>
    /// <param name="other">The tensor whose shape is taken.</param>
    public TraceTensor view_as(TraceTensor other) => M("view_as", r => r[this].view_as(r[other]), other);

    /// <summary>Reshape to fixed sizes.</summary>
    /// <param name="shape">The new shape (one entry may be -1).</param>
    public TraceTensor reshape(long[] shape) => M("reshape", r => r[this].reshape(shape), shape);

    /// <summary>View with another shape; symbolic sizes stay symbolic.</summary>
    /// <param name="shape">The new shape (one entry may be -1).</param>
    public TraceTensor view(params SymInt[] shape) => M("view", r => r[this].view(r.L(shape)), shape);

    /// <summary>View with another tensor's shape (kept symbolic).</summary>
    /// <param name="shape">The shape.</param>
    public TraceTensor view(TraceShape shape) => view(shape.ToArray());

    /// <summary>View with fixed sizes.</summary>
    /// <param name="shape">The new shape.</param>
    public TraceTensor view(long[] shape) => M("view", r => r[this].view(shape), shape);

    /// <summary>Flattens dimensions <paramref name="start_dim"/>..<paramref name="end_dim"/>.</summary>
    /// <param name="start_dim">First dimension.</param>
    /// <param name="end_dim">Last dimension.</param>
    public TraceTensor flatten(long start_dim = 0, long end_dim = -1) =>
        M("flatten", r => r[this].flatten(start_dim, end_dim), start_dim, end_dim);

    /// <summary>Splits dimension <paramref name="dim"/> into <paramref name="sizes"/>.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="sizes">The new sizes (one may be -1).</param>
    public TraceTensor unflatten(long dim, params SymInt[] sizes) =>
        M("unflatten", r => r[this].unflatten(dim, r.L(sizes)), dim, sizes);

    /// <summary>Splits dimension <paramref name="dim"/> into fixed sizes.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="sizes">The new sizes.</param>
    public TraceTensor unflatten(long dim, long[] sizes) => M("unflatten", r => r[this].unflatten(dim, sizes), dim, sizes);

    /// <summary>Splits dimension <paramref name="dim"/> into sizes read from a shape (symbolic, as
    /// <c>x.unflatten(0, y.shape[..^1])</c> in the eager code).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="sizes">The new sizes.</param>
    public TraceTensor unflatten(long dim, TraceShape sizes) => unflatten(dim, sizes.ToArray());

    // unflatten with a dimension that may count from the end (TensorExtensions' overloads for TraceTensor, which are
    // extension methods so that an int dimension still binds to the long overloads above): recorded negative.
    internal TraceTensor UnflattenAt(Index dim, long[] sizes) =>
        M("unflatten", r => r[this].unflatten(dim, sizes), Recorded(dim), sizes);

    internal TraceTensor UnflattenAt(Index dim, SymInt[] sizes) =>
        M("unflatten", r => r[this].unflatten(dim, r.L(sizes)), Recorded(dim), sizes);

    private static long Recorded(Index dim) => dim.IsFromEnd ? -dim.Value : dim.Value;

    /// <summary>Inserts a dimension of size 1.</summary>
    /// <param name="dim">Where.</param>
    public TraceTensor unsqueeze(long dim) => M("unsqueeze", r => r[this].unsqueeze(dim), dim);

    /// <summary>Removes dimensions of size 1 (all, or <paramref name="dim"/>).</summary>
    /// <param name="dim">The dimension, or null for all.</param>
    public TraceTensor squeeze(long? dim = null) =>
        dim is { } d ? M("squeeze", r => r[this].squeeze(d), d) : M("squeeze", r => r[this].squeeze());

    /// <summary>Swaps two dimensions.</summary>
    /// <param name="dim0">First.</param>
    /// <param name="dim1">Second.</param>
    public TraceTensor transpose(long dim0, long dim1) => M("transpose", r => r[this].transpose(dim0, dim1), dim0, dim1);

    /// <summary>Transpose of a matrix.</summary>
    public TraceTensor t() => M("t", r => r[this].t());

    /// <summary>Permutes dimensions.</summary>
    /// <param name="permutation">The new order.</param>
    public TraceTensor permute(params long[] permutation) => M("permute", r => r[this].permute(permutation), permutation);

    /// <summary>Moves dimensions.</summary>
    /// <param name="source">From.</param>
    /// <param name="destination">To.</param>
    public TraceTensor movedim(long[] source, long[] destination) =>
        M("movedim", r => r[this].movedim(source, destination), source, destination);

    /// <summary>A slice of <paramref name="length"/> entries from <paramref name="start"/> along <paramref name="dim"/>.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="start">Start.</param>
    /// <param name="length">Length.</param>
    public TraceTensor narrow(long dim, SymInt start, SymInt length) =>
        M("narrow", r => r[this].narrow(dim, r[start], r[length]), dim, start, length);

    /// <summary>Selects one index along a dimension (removing it).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The index.</param>
    public TraceTensor select(long dim, SymInt index) => M("select", r => r[this].select(dim, r[index]), dim, index);

    /// <summary>A strided slice along a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="start">Start.</param>
    /// <param name="finish">End (exclusive).</param>
    /// <param name="step">Step.</param>
    public TraceTensor slice(long dim, SymInt start, SymInt finish, long step) =>
        M("slice", r => r[this].slice(dim, r[start], r[finish], step), dim, start, finish, step);

    /// <summary>Rows (along <paramref name="dim"/>) given by an index tensor.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    public TraceTensor index_select(long dim, TraceTensor index) =>
        M("index_select", r => r[this].index_select(dim, r[index]), dim, index);

    /// <summary>Gathers values along a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    public TraceTensor gather(long dim, TraceTensor index) => M("gather", r => r[this].gather(dim, r[index]), dim, index);

    /// <summary>Adds <paramref name="source"/> rows at <paramref name="index"/> (out of place).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    /// <param name="source">The rows.</param>
    /// <param name="alpha">The factor.</param>
    public TraceTensor index_add(long dim, TraceTensor index, TraceTensor source, Scalar alpha) =>
        MK("index_add", r => r[this].index_add(dim, r[index], r[source], alpha), [dim, index, source], new Kw("alpha", alpha));

    /// <summary>Scatter-add (out of place).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    /// <param name="src">The values.</param>
    public TraceTensor scatter_add(long dim, TraceTensor index, TraceTensor src) =>
        M("scatter_add", r => r[this].scatter_add(dim, r[index], r[src]), dim, index, src);

    /// <summary>Fills where <paramref name="mask"/> is true.</summary>
    /// <param name="mask">The bool mask.</param>
    /// <param name="value">The value.</param>
    public TraceTensor masked_fill(TraceTensor mask, Scalar value) =>
        M("masked_fill", r => r[this].masked_fill(r[mask], value), mask, value);

    /// <summary><c>torch.where(condition, this, y)</c>.</summary>
    /// <param name="condition">The bool condition.</param>
    /// <param name="y">The values where false.</param>
    public TraceTensor where(TraceTensor condition, TraceTensor y) =>
        Recorder.Call("where", false, [condition, this, y], r => r[this].where(r[condition], r[y]));

    /// <summary>Broadcasts to a larger shape; symbolic sizes stay symbolic.</summary>
    /// <param name="sizes">The sizes (-1 keeps a dimension).</param>
    public TraceTensor expand(params SymInt[] sizes) => M("expand", r => r[this].expand(r.L(sizes)), sizes);

    /// <summary>Broadcasts to another tensor's shape (kept symbolic).</summary>
    /// <param name="sizes">The shape.</param>
    public TraceTensor expand(TraceShape sizes) => expand(sizes.ToArray());

    /// <summary>Broadcasts to fixed sizes.</summary>
    /// <param name="sizes">The sizes (-1 keeps a dimension).</param>
    /// <param name="isImplicit">Must be false.</param>
    public TraceTensor expand(long[] sizes, bool isImplicit = false) =>
        M("expand", r => r[this].expand(sizes, isImplicit), sizes);

    /// <summary>Broadcasts to the shape of <paramref name="other"/>.</summary>
    /// <param name="other">The tensor whose shape to take.</param>
    public TraceTensor expand_as(TraceTensor other) => M("expand_as", r => r[this].expand_as(r[other]), other);

    /// <summary>Repeats the tensor along each dimension.</summary>
    /// <param name="sizes">Repetitions per dimension.</param>
    public TraceTensor repeat(params SymInt[] sizes) => M("repeat", r => r[this].repeat(r.L(sizes)), sizes);

    /// <summary>Reverses dimensions.</summary>
    /// <param name="dims">The dimensions.</param>
    public TraceTensor flip(params long[] dims) => M("flip", r => r[this].flip(dims), dims);

    /// <summary>A diagonal.</summary>
    /// <param name="offset">Offset.</param>
    /// <param name="dim1">First dimension.</param>
    /// <param name="dim2">Second dimension.</param>
    public TraceTensor diagonal(long offset = 0, long dim1 = 0, long dim2 = 1) =>
        M("diagonal", r => r[this].diagonal(offset, dim1, dim2), offset, dim1, dim2);

    /// <summary>Lower triangle.</summary>
    /// <param name="diagonal">Diagonal offset.</param>
    public TraceTensor tril(long diagonal = 0) => M("tril", r => r[this].tril(diagonal), diagonal);

    /// <summary>Upper triangle.</summary>
    /// <param name="diagonal">Diagonal offset.</param>
    public TraceTensor triu(long diagonal = 0) => M("triu", r => r[this].triu(diagonal), diagonal);

    /// <summary>Contiguous copy (or the same tensor).</summary>
    public TraceTensor contiguous() => M("contiguous", r => r[this].contiguous());

    /// <summary>A copy.</summary>
    public TraceTensor clone() => M("clone", r => r[this].clone());

    /// <summary>The same values without autograd history.</summary>
    public TraceTensor detach() => M("detach", r => r[this].detach());

    /// <summary>Splits into chunks of <paramref name="size"/> along <paramref name="dim"/>.</summary>
    /// <param name="size">Chunk size.</param>
    /// <param name="dim">The dimension.</param>
    public TraceTensor[] split(long size, int dim = 0) =>
        Recorder.CallList("split", true, [this, size, (long)dim], r => r[this].split(size, dim));

    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/>.</summary>
    /// <param name="sizes">The sizes.</param>
    /// <param name="dim">The dimension.</param>
    public TraceTensor[] split(long[] sizes, long dim = 0) =>
        Recorder.CallList("split_with_sizes", true, [this, sizes, dim], r => r[this].split(sizes, dim));

    /// <summary>Splits into <paramref name="chunks"/> chunks.</summary>
    /// <param name="chunks">Number of chunks.</param>
    /// <param name="dim">The dimension.</param>
    public TraceTensor[] chunk(long chunks, long dim = 0) =>
        Recorder.CallList("chunk", true, [this, chunks, dim], r => r[this].chunk(chunks, dim));

    /// <summary>Removes a dimension, returning its slices.</summary>
    /// <param name="dimension">The dimension.</param>
    public TraceTensor[] unbind(long dimension = 0) =>
        Recorder.CallList("unbind", true, [this, dimension], r => r[this].unbind(dimension));

    // ---------------------------------------------------------------- conversions and creation

    /// <summary>Converts to another dtype.</summary>
    /// <param name="type">The dtype.</param>
    /// <param name="copy">Force a copy.</param>
    /// <param name="disposeAfter">Ignored in tracing twins.</param>
    /// <param name="non_blocking">Ignored.</param>
    public TraceTensor to(torch.ScalarType type, bool copy = false, bool disposeAfter = false, bool non_blocking = false) =>
        type == dtype && !copy ? this : M("to", r => r[this].to(type, copy), type);

    /// <summary>Converts to the dtype (and device) of another tensor.</summary>
    /// <param name="other">The other tensor.</param>
    /// <param name="non_blocking">Ignored.</param>
    public TraceTensor to(TraceTensor other, bool non_blocking = false) => M("to", r => r[this].to(r[other]), other);

    /// <summary>Moving to another device is not traced; moving to the tensor's own device does nothing.</summary>
    /// <param name="device">The device.</param>
    /// <param name="copy">Force a copy.</param>
    /// <param name="disposeAfter">Ignored.</param>
    /// <param name="non_blocking">Ignored.</param>
    public TraceTensor to(torch.Device device, bool copy = false, bool disposeAfter = false, bool non_blocking = false)
    {
        if (device.type != Value.device.type || (device.index >= 0 && device.index != Value.device.index))
        {
            throw new TracingException(
                $"{TraceSession.Where()}: moving a traced tensor to another device ({device}) cannot be recorded; " +
                "move the compiled module instead.");
        }

        return copy ? clone() : this;
    }

    /// <summary>Converts to float32.</summary>
    public TraceTensor @float() => to(torch.ScalarType.Float32);

    /// <summary>Converts to float64.</summary>
    public TraceTensor @double() => to(torch.ScalarType.Float64);

    /// <summary>Converts to int64.</summary>
    public TraceTensor @long() => to(torch.ScalarType.Int64);

    /// <summary>Converts to int32.</summary>
    public TraceTensor @int() => to(torch.ScalarType.Int32);

    /// <summary>Converts to bool.</summary>
    public TraceTensor @bool() => to(torch.ScalarType.Bool);

    /// <summary>Converts to the dtype of <paramref name="other"/>.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor type_as(TraceTensor other) => M("type_as", r => r[this].type_as(r[other]), other);

    /// <summary>Zeros of the same shape.</summary>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor zeros_like(torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("zeros_like", r => r[this].zeros_like(dtype, device, requires_grad), [], DType(dtype));

    /// <summary>Ones of the same shape.</summary>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor ones_like(torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("ones_like", r => r[this].ones_like(dtype, device, requires_grad), [], DType(dtype));

    /// <summary>Zeros of another shape with this tensor's dtype and device; symbolic sizes stay symbolic.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor new_zeros(SymInt[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("new_zeros", r => r[this].new_zeros(r.L(size), dtype, device, requires_grad), [size], DType(dtype));

    /// <summary>Zeros of another shape with this tensor's dtype and device.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor new_zeros(long[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("new_zeros", r => r[this].new_zeros(size, dtype, device, requires_grad), [size], DType(dtype));
}
