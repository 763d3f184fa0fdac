namespace E3Sharp.Jit.Ir;

/// <summary>
/// Names a local of the IR must not take (the IR's <c>Names</c> rejects them). The scripting generator compiles this
/// same file in, so the names it avoids for locals cannot drift from the IR's rules.
/// </summary>
internal static class ReservedNameLists
{
    /// <summary>Python/TorchScript keywords.</summary>
    public static readonly string[] PythonKeywords =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "print", "exec",
    ];

    /// <summary>Names the archive's code environment (or TorchScript's builtins) gives a meaning; a local with such a
    /// name would shadow it in printed code.</summary>
    public static readonly string[] EnvironmentNames =
    [
        "self", "torch", "ops", "CONSTANTS", "annotate", "unchecked_cast", "uninitialized", "fork", "inf", "nan",
        "__torch__", "range", "len", "int", "float", "bool", "str", "list", "tuple", "dict", "min", "max", "abs",
        "isinstance", "Tensor", "List", "Dict", "Optional", "Tuple", "Final", "Module", "NoneType", "Any",
        "math", "enumerate", "zip", "getattr", "hasattr", "super", "sorted", "sum", "round", "divmod", "chr", "ord",
        "hash", "id", "all", "any", "Exception", "RuntimeError", "AssertionError", "ValueError", "Future", "Union",
        "complex", "number", "Device", "device", "Stream",
    ];
}
