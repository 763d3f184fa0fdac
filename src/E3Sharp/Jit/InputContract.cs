using E3Sharp.Jit.Scripting;
using TorchSharp;

namespace E3Sharp.Jit;

/// <summary>One tensor argument of a forward as its <see cref="InputContract"/> describes it.</summary>
/// <param name="Name">The argument's name (messages).</param>
/// <param name="LastDimension">The size its last dimension must have, or <see cref="AnyLastDimension"/> (an elementwise
/// input: any shape, only its dtype is checked).</param>
/// <param name="Expected">What it must be, for messages (for example <c>"irreps 2x0e+1x1o (last dimension 5)"</c>).</param>
/// <param name="Batched">Whether it has leading batch dimensions that must broadcast with the other batched
/// arguments' (false: exactly one dimension, as shared weights).</param>
/// <param name="MinRank">The fewest dimensions it may have (batched arguments).</param>
public sealed record InputSpec(string Name, long LastDimension, string Expected, bool Batched = true, int MinRank = 1)
{
    /// <summary>A <see cref="LastDimension"/> that accepts any size.</summary>
    public const long AnyLastDimension = -1;

    /// <summary>An input of any shape (rank 0 included), as elementwise modules take.</summary>
    /// <param name="name">The argument's name.</param>
    public static InputSpec AnyShape(string name) => new(name, AnyLastDimension, "any shape", MinRank: 0);

    /// <summary>The dtype the argument must have, as <see cref="InputContract.DtypeName(torch.ScalarType)"/> names it
    /// (for example <c>"Int64"</c> for an index), or null.</summary>
    public string? RequiredDtype { get; init; }

    /// <summary>The size its first dimension must have (an index <c>[2, E]</c>), or <see cref="AnyLastDimension"/>.</summary>
    public long FirstDimension { get; init; } = AnyLastDimension;

    /// <summary>Which batch its batch dimensions belong to: they must broadcast with those of the batched arguments
    /// of the same group only (a graph's nodes and its edges are different batches). Default 0.</summary>
    public int BatchGroup { get; init; }

    // Whether the shape check reads the first dimension.
    internal bool ChecksFirstDimension => FirstDimension != AnyLastDimension;

    /// <summary>Whether any tensor shape satisfies the spec (no shape check is made).</summary>
    internal bool AcceptsAnyShape => LastDimension == AnyLastDimension && Batched && MinRank <= 0;
}

/// <summary>
/// What a module's forward assumes of its tensor arguments: each argument's last dimension, the batch dimensions of
/// all batched arguments broadcasting together, and (with <see cref="DtypeReference"/>) the dtype and device of the
/// module's state. Written once per module and used twice: <c>Check</c> validates eager calls, and
/// <see cref="TorchScript.Compile"/> prepends the same checks, with the same messages, to the compiled forward (a
/// TorchScript <c>raise</c>), so eager and compiled modules refuse the same inputs.
/// </summary>
/// <param name="Module">The module's description (messages start with it).</param>
/// <param name="Inputs">The forward's tensor arguments, in order.</param>
/// <param name="DtypeReference">The dotted name of a parameter or buffer of the module whose dtype and device the
/// inputs must have (for example <c>"output_mask"</c> or <c>"mul.output_mask"</c>), or null for no such check.</param>
public sealed record InputContract(string Module, IReadOnlyList<InputSpec> Inputs, string? DtypeReference = null)
{
    /// <summary>Whether the inputs must have a floating dtype (checked when there is no <see cref="DtypeReference"/>).</summary>
    public bool Floating { get; init; }

    /// <summary>Message: an argument's shape is not what the module needs.</summary>
    internal string ShapeMessage(int i) =>
        $"{Module}: input '{Inputs[i].Name}' must have {Inputs[i].Expected}" +
        (!Inputs[i].Batched ? " and no batch dimensions" : Inputs[i].MinRank > 1 && !Inputs[i].ChecksFirstDimension
            ? $" and at least {Inputs[i].MinRank - 1} batch dimension(s)" : "") + ", but got a tensor of shape ";

    // Whether two arguments' batch dimensions must broadcast together.
    internal bool BatchesMeet(int i, int j) =>
        Inputs[i].Batched && Inputs[j].Batched && Inputs[i].BatchGroup == Inputs[j].BatchGroup;

    // Whether an argument must have the module's (or a floating) dtype: those with a dtype of their own need not.
    internal bool TakesModuleDtype(int i) => Inputs[i].RequiredDtype is null;

    /// <summary>Message: an argument's dtype differs from the module's (followed by the two dtype names).</summary>
    internal string DtypeMessage(int i) => $"{Module}: input '{Inputs[i].Name}' has dtype ";

    /// <summary>Message: an argument's device differs from the module's.</summary>
    internal string DeviceMessage(int i) => $"{Module}: input '{Inputs[i].Name}' is on device ";

    /// <summary>Message: two arguments' batch dimensions do not broadcast.</summary>
    internal string BatchMessage(int i, int j) =>
        $"{Module}: the batch dimensions of input '{Inputs[i].Name}' and input '{Inputs[j].Name}' do not broadcast " +
        "(a batch dimension must be equal in both or 1 in one of them); shapes ";

    internal const string ModuleDtypeText = ", but the module's dtype is ";
    internal const string FloatingText = ", but the module needs a floating dtype.";
    internal const string RequiredDtypeText = ", but it must be ";
    internal const string ModuleDeviceText = ", but the module is on device ";

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless the tensors satisfy the contract (null entries, such as weights
    /// left to the module, are skipped). Eager only: the compiled module runs the same checks as code of its own.
    /// </summary>
    /// <param name="module">The module (its state gives the reference dtype and device).</param>
    /// <param name="input">The forward's tensor argument (the first of <see cref="Inputs"/>).</param>
    [EagerOnly]
    public void Check(torch.nn.Module module, torch.Tensor? input) => CheckAll(module, [input]);

    /// <summary>As <see cref="Check(torch.nn.Module, torch.Tensor?)"/>, for a forward with two tensor arguments.</summary>
    /// <param name="module">The module.</param>
    /// <param name="a">The first argument.</param>
    /// <param name="b">The second argument.</param>
    [EagerOnly]
    public void Check(torch.nn.Module module, torch.Tensor? a, torch.Tensor? b) => CheckAll(module, [a, b]);

    /// <summary>As <see cref="Check(torch.nn.Module, torch.Tensor?)"/>, for a forward with three tensor arguments.</summary>
    /// <param name="module">The module.</param>
    /// <param name="a">The first argument.</param>
    /// <param name="b">The second argument.</param>
    /// <param name="c">The third argument.</param>
    [EagerOnly]
    public void Check(torch.nn.Module module, torch.Tensor? a, torch.Tensor? b, torch.Tensor? c) => CheckAll(module, [a, b, c]);

    /// <summary>As <see cref="Check(torch.nn.Module, torch.Tensor?)"/>, for a forward with four tensor arguments.</summary>
    /// <param name="module">The module.</param>
    /// <param name="a">The first argument.</param>
    /// <param name="b">The second argument.</param>
    /// <param name="c">The third argument.</param>
    /// <param name="d">The fourth argument.</param>
    [EagerOnly]
    public void Check(torch.nn.Module module, torch.Tensor? a, torch.Tensor? b, torch.Tensor? c, torch.Tensor? d) =>
        CheckAll(module, [a, b, c, d]);

    // (Fixed arities, not params: the tracing twin runs checks with tensor arguments on the real tensors.)
    private void CheckAll(torch.nn.Module module, torch.Tensor?[] inputs)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(inputs);
        var n = Math.Min(inputs.Length, Inputs.Count);
        for (var i = 0; i < n; i++)
        {
            if (inputs[i] is not { } x)
            {
                continue;
            }

            var spec = Inputs[i];
            if (spec.AcceptsAnyShape)
            {
                continue;
            }

            var rankOk = spec.Batched ? x.dim() >= spec.MinRank : x.dim() == 1;
            if (!rankOk || (spec.LastDimension != InputSpec.AnyLastDimension && x.shape[^1] != spec.LastDimension) ||
                (spec.ChecksFirstDimension && x.shape[0] != spec.FirstDimension))
            {
                throw new ArgumentException(ShapeMessage(i) + ShapeText(x.shape) + ".", spec.Name);
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (inputs[i] is { } x && Inputs[i].RequiredDtype is { } required && DtypeName(x.dtype) != required)
            {
                throw new ArgumentException(DtypeMessage(i) + DtypeName(x.dtype) + RequiredDtypeText + required + ".", Inputs[i].Name);
            }
        }

        if (DtypeReference is null && Floating)
        {
            for (var i = 0; i < n; i++)
            {
                if (inputs[i] is { } x && TakesModuleDtype(i) && !x.is_floating_point())
                {
                    throw new ArgumentException(DtypeMessage(i) + DtypeName(x.dtype) + FloatingText, Inputs[i].Name);
                }
            }
        }

        if (DtypeReference is not null && ResolveState(module, DtypeReference) is { } reference)
        {
            for (var i = 0; i < n; i++)
            {
                if (inputs[i] is not { } x || !TakesModuleDtype(i))
                {
                    continue;
                }

                if (DtypeName(x.dtype) != DtypeName(reference.dtype))
                {
                    throw new ArgumentException(
                        DtypeMessage(i) + DtypeName(x.dtype) + ModuleDtypeText + DtypeName(reference.dtype) + ".", Inputs[i].Name);
                }

                if (DeviceName(x.device) != DeviceName(reference.device))
                {
                    throw new ArgumentException(
                        DeviceMessage(i) + DeviceName(x.device) + ModuleDeviceText + DeviceName(reference.device) + ".", Inputs[i].Name);
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                if (inputs[i] is { } a && inputs[j] is { } b && BatchesMeet(i, j) && !BatchesBroadcast(a.shape, b.shape))
                {
                    throw new ArgumentException(
                        BatchMessage(i, j) + ShapeText(a.shape) + " and " + ShapeText(b.shape) + ".", Inputs[j].Name);
                }
            }
        }
    }

    /// <summary>Whether the leading dimensions (all but the last) of two shapes broadcast.</summary>
    internal static bool BatchesBroadcast(long[] a, long[] b)
    {
        var k = Math.Min(a.Length, b.Length) - 1;
        for (var d = 2; d <= k + 1; d++)
        {
            long p = a[^d], q = b[^d];
            if (p != q && p != 1 && q != 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A shape as TorchScript's <c>str(x.size())</c> writes it: <c>[4, 16]</c>.</summary>
    public static string ShapeText(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>
    /// A dtype's name in messages. The compiled checks name dtypes from what TorchScript can read of a tensor
    /// (floating or not, element size), so the names are those classes: <c>Float64</c>, <c>Float32</c>,
    /// <c>Float16/BFloat16</c>, <c>Int64</c>, <c>Int32</c>, <c>Int16</c>, <c>Int8/UInt8/Bool</c>.
    /// </summary>
    public static string DtypeName(torch.ScalarType dtype) => DtypeName(
        dtype is torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Float32 or torch.ScalarType.Float64,
        ElementSize(dtype));

    internal static string DtypeName(bool floating, long elementSize) => (floating, elementSize) switch
    {
        (true, 8) => "Float64",
        (true, 4) => "Float32",
        (true, _) => "Float16/BFloat16",
        (false, 8) => "Int64",
        (false, 4) => "Int32",
        (false, 2) => "Int16",
        _ => "Int8/UInt8/Bool",
    };

    private static long ElementSize(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float64 or torch.ScalarType.Int64 or torch.ScalarType.ComplexFloat32 => 8,
        torch.ScalarType.Float32 or torch.ScalarType.Int32 => 4,
        torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Int16 => 2,
        torch.ScalarType.ComplexFloat64 => 16,
        _ => 1,
    };

    /// <summary>A device as the compiled check names it: <c>cpu</c>, or <c>cuda:N</c> for an accelerator.</summary>
    public static string DeviceName(torch.Device device) =>
        device.type == DeviceType.CPU ? "cpu" : "cuda:" + Math.Max(0, (int)device.index);

    /// <summary>The parameter or buffer at a dotted path below <paramref name="module"/> (non-persistent buffers
    /// included), or null.</summary>
    internal static torch.Tensor? ResolveState(torch.nn.Module module, string path)
    {
        var parts = path.Split('.');
        var m = module;
        for (var k = 0; k < parts.Length - 1; k++)
        {
            torch.nn.Module? next = null;
            foreach (var (name, child) in m.named_children())
            {
                if (name == parts[k])
                {
                    next = child;
                    break;
                }
            }

            if (next is null)
            {
                return null;
            }

            m = next;
        }

        var last = parts[^1];
        return m.get_parameter(last) is { } p ? p : m.get_buffer(last);
    }
}

/// <summary>A module whose forward's inputs are described by an <see cref="InputContract"/>: its eager forward calls
/// <c>InputContract.Check</c>, and its compiled forward starts with the same checks.</summary>
public interface IInputContract
{
    /// <summary>The contract of the module's forward.</summary>
    InputContract InputContract { get; }

    /// <summary>The contract of an exported method of a traced module (<see cref="Scripting.ExportAttribute"/>), which
    /// the compiled method checks as the forward checks <see cref="InputContract"/>; null (the default) for none.</summary>
    /// <param name="exportName">The TorchScript name of the exported method.</param>
    InputContract? ExportContract(string exportName) => null;
}
