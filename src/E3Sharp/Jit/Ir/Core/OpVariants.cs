using System;

namespace E3Sharp.Jit.Ir;

/// <summary>How an operator may be called.</summary>
[Flags]
#if E3SHARP_GENERATOR
internal
#else
public
#endif
enum OpVariants
{
    /// <summary>As <c>torch.op(...)</c>.</summary>
    Function = 1,

    /// <summary>As a tensor method <c>x.op(...)</c> (the first parameter, <c>self</c>, is the receiver).</summary>
    Method = 2,

    /// <summary>Both.</summary>
    Both = Function | Method,
}
