namespace E3Sharp.Jit.Ir;

/// <summary>What a declared module attribute is.</summary>
internal enum AttributeKind
{
    /// <summary>A parameter: a <c>Tensor</c> listed in <c>__parameters__</c> (seen by <c>named_parameters()</c>).</summary>
    Parameter,

    /// <summary>A buffer: a <c>Tensor</c> listed in <c>__buffers__</c> (seen by <c>named_buffers()</c>).</summary>
    Buffer,

    /// <summary>A typed attribute holding per-instance state (int, float, List[int], Optional[Tensor], ...).</summary>
    Attribute,

    /// <summary>A child module (its type is a <see cref="ModuleType"/>).</summary>
    Submodule,

    /// <summary>A class constant, <c>name : Final[T] = value</c> in the class body (int, float, bool, str, None or tuples of them).</summary>
    Constant,
}
