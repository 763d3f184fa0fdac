namespace E3Sharp.Generators.Tests;

/// <summary>Snippets outside the scripting subset: forward body (or members), with a marker on the offending line.</summary>
public static class DiagnosticCases
{
    public sealed record Case(string Name, string Body, string Marker, string Id, string Message, string Members = "", string? Source = null);

    public static readonly Case[] All =
    [
        new("linq_method", """
        var total = x.shape.Sum(); // here
        return x * total;
""", "x.shape.Sum()", "E3S010",
            "LINQ ('Sum') is not supported on values computed in forward; write a for loop over an int range (LINQ over module fields alone is fine: it is evaluated when the module is scripted)."),
        new("linq_query", """
        var doubled = (from d in x.shape select d * 2).ToArray(); // here
        return x.reshape(doubled);
""", "from d", "E3S010",
            "LINQ queries are not supported in scripted code; write a for loop over an int range (or foreach over a tensor's rows) instead."),
        new("lambda", """
        Func<Tensor, Tensor> twice = t => t * 2.0; // here
        return x;
""", "t => t", "E3S011",
            "Lambdas, anonymous methods and method groups are not supported in scripted code; move the code into a private method of the module class (it becomes a TorchScript method) and call it."),
        new("try_catch", """
        try // here
        {
            return x.relu();
        }
        catch (Exception)
        {
            return x;
        }
""", "try", "E3S012",
            "try/catch/finally is not supported in scripted code (TorchScript has no exception handling); remove it: errors raised by TorchScript ops surface as exceptions of the loaded module."),
        new("goto", """
        var y = x;
    again:
        y = y * 0.5;
        if (torch.any(y > 1.0).item<bool>()) goto again; // here
        return y;
""", "again:", "E3S013",
            "Labels and goto are not supported in scripted code (TorchScript has no goto); use while, break and continue."),
        new("string_interpolation", """
        var text = $"value {x}"; // here
        return x;
""", "$\"value", "E3S014",
            "String interpolation is not supported in scripted code: TorchScript methods compute tensors, not text. Remove it (or format values outside the module)."),
        new("string_format", """
        var text = x.ToString(); // here
        return x;
""", "ToString", "E3S014",
            "String formatting ('Tensor.ToString') is not supported on values computed in forward: TorchScript methods compute tensors, not text."),
        new("unknown_tensor_method", """
        return x.logit(); // here
""", "logit", "E3S015",
            "Tensor.logit has no TorchScript counterpart in E3Sharp's op table. See docs/scripting-subset.md for the supported tensor methods and torch functions."),
        new("in_place_method", """
        var y = x.relu_(); // here
        return y;
""", "relu_", "E3S015",
            "Tensor.relu_ has no TorchScript counterpart in E3Sharp's op table. In-place ops are not supported: write 'x = x.relu(...)'. See docs/scripting-subset.md for the supported tensor methods and torch functions."),
        new("field_assignment", """
        calls = calls + 1; // here
        return x;
""", "calls = calls", "E3S016",
            "Scripted code cannot assign the field 'calls': TorchScript forward methods do not change module state. Assign to a local instead (fields are read when the module is scripted).",
            Members: "    private int calls;\n"),
        new("foreach_string", """
        foreach (var c in x.ToString()) // here
        {
        }
        return x;
""", "foreach", "E3S017",
            "foreach over string is not supported in scripted code; foreach may run over a Tensor (its rows), a Tensor[] or List<Tensor>, or module state (fields, evaluated when the module is scripted). Otherwise write 'for (int i = 0; i < n; i++)'."),
        new("switch", """
        switch (x.dim()) // here
        {
            case 1: return x;
            default: return x.flatten();
        }
""", "switch", "E3S018", "switch is not supported in scripted code; write an if / else if chain."),
        new("local_function", """
        Tensor Twice(Tensor t) => t * 2.0; // here
        return x;
""", "Twice(Tensor t)", "E3S019",
            "Local function 'Twice' is not supported in scripted code; make it a private method of the module class (it becomes a TorchScript method)."),
        new("out_parameter", """
        Split(x, out var a); // here
        return a;
""", "Split(x", "E3S020",
            "'Split' takes 'first' by reference; TorchScript has no by-reference arguments. Return the values instead (a tuple for several).",
            Members: "    private static void Split(Tensor x, out Tensor first) => first = x;\n"),
        new("unsupported_local_type", """
        var rng = new Random(1); // here
        return x;
""", "var rng", "E3S021",
            "Local 'rng' has type System.Random, which TorchScript cannot hold; use Tensor, int/long, double/float, bool, string, Tensor[] or List<Tensor>, long[], or a tuple of these. (A value computed only from the module's fields may be stored in such a local if it is never reassigned: it is evaluated when the module is scripted.)"),
        new("external_method", """
        return Helpers.Twice(x); // here
""", "Twice(x)", "E3S022",
            "'Helpers.Twice' cannot be called in scripted code: only TorchSharp tensor methods and torch functions from the op table, submodule calls and methods of this class are translated. Move the computation into a private method of the class, or compute it only from module fields (it is then evaluated when the module is scripted).",
            Source: "static class Helpers { public static Tensor Twice(Tensor t) => t * 2.0; }"),
        new("non_canonical_for", """
        var y = x;
        for (var i = 1; i < 100; i *= 2) // here
        {
            y = y + 1.0;
        }
        return y;
""", "for (var i", "E3S023",
            "Scripted for loops must have the form 'for (int i = start; i < end; i++)' (or <=, >, >= with i++, i--, i += k, i -= k for a constant k) and must not assign i or the variables of the bound in the body; write a while loop for anything else."),
        new("for_bound_changes", """
        var n = x.size(0);
        var y = x;
        for (var i = 0; i < n; i++) // here
        {
            n = n - 1;
            y = y * 0.5;
        }
        return y;
""", "for (var i", "E3S023",
            "Scripted for loops must have the form 'for (int i = start; i < end; i++)' (or <=, >, >= with i++, i--, i += k, i -= k for a constant k) and must not assign i or the variables of the bound in the body; write a while loop for anything else."),
        new("for_bound_item_changes", """
        var n = new List<long> { x.size(0) };
        var y = x;
        for (var i = 0; i < n[0]; i++) // here
        {
            n[0] = n[0] - 1;
            y = y * 0.5;
        }
        return y;
""", "for (var i", "E3S023",
            "Scripted for loops must have the form 'for (int i = start; i < end; i++)' (or <=, >, >= with i++, i--, i += k, i -= k for a constant k) and must not assign i or the variables of the bound in the body; write a while loop for anything else."),
        new("for_bound_list_grows", """
        var l = new List<Tensor> { x };
        for (var i = 0; i < l.Count; i++) // here
        {
            if (i < 3) l.Add(l[i] * 2.0);
        }
        return l[^1];
""", "for (var i", "E3S023",
            "Scripted for loops must have the form 'for (int i = start; i < end; i++)' (or <=, >, >= with i++, i--, i += k, i -= k for a constant k) and must not assign i or the variables of the bound in the body; write a while loop for anything else."),
        new("index_past_the_end", """
        var l = new List<Tensor> { x };
        return l[^0]; // here
""", "^0", "E3S033", "The index ^0 is past the end; the last item is ^1."),
        new("parameter_item_assignment", """
        return First(new List<Tensor> { x }, x);
""", "s[0] =", "E3S016",
            "Item assignment (d[key] = v, list[i] = v) is supported on a local dictionary or list that this method creates (new Dictionary<string, T> { ... }, new List<T> { ... }, [ ... ]) and assigns nothing else: a field, a parameter, or a value fixed when the module is scripted is written into the script as a copy, so the change would not be seen where it is read. Build a new dictionary or list in a local.",
            Members: "    private static Tensor First(List<Tensor> s, Tensor v) { s[0] = v; return s[0]; }\n"),
        new("add_to_script_time_list", """
        var l = sizes.ToList();
        l.Add(x.size(0)); // here
        return x * l.Count;
""", "l.Add", "E3S016",
            "Add on a list fixed when the module is scripted (a field, or a local computed from fields) is not supported: the script holds a copy of it wherever it is used, so the item would be lost. Build a new list in a local (new List<T> { ... } or new List<T>() and Add)."),
        new("helper_adds_to_script_time_list", """
        return x * Grow(extra, 2); // here
""", "Grow(extra", "E3S016",
            "'Grow' changes 's' (Add, Insert, Remove, Clear), but this argument is fixed when the module is scripted (a field, or a local computed from fields): the script passes a copy, so the change would be lost. Pass a list this method creates (new List<T> { ... }).",
            Members: "    private readonly List<long> extra = new() { 1 };\n    private static long Grow(List<long> s, long v) { s.Add(v); return s.Count; }\n"),
        new("alias_item_assignment", """
        var a = new List<Tensor> { x };
        var c = a;
        c[0] = x * 2.0; // here
        return a[0];
""", "c[0] =", "E3S016",
            "Item assignment (d[key] = v, list[i] = v) is supported on a local dictionary or list that this method creates (new Dictionary<string, T> { ... }, new List<T> { ... }, [ ... ]) and assigns nothing else: a field, a parameter, or a value fixed when the module is scripted is written into the script as a copy, so the change would not be seen where it is read. Build a new dictionary or list in a local."),
        new("recursion", """
        return Halve(x, 3);
""", "// recursive", "E3S024",
            "'Halve' is called recursively (through 'Halve'); TorchScript methods cannot recurse. Rewrite the recursion as a while loop.",
            Members: "    private Tensor Halve(Tensor t, int n) => n == 0 ? t : Halve(t * 0.5, n - 1); // recursive\n"),
        new("export_named_forward", """
        return x;
""", "// exported", "E3S036",
            "[Export] names 'Twice' 'forward', which cannot be a TorchScript method name; give an ASCII Python identifier other than 'forward' and Python keywords, not starting with '__' ([Export(Name = \"pair_forward\")]).",
            Members: "    [E3Sharp.Jit.Scripting.Export(Name = \"forward\")] public Tensor Twice(Tensor t) => t * 2.0; // exported\n"),
        new("export_static", """
        return x;
""", "// exported", "E3S036",
            "'Twice' is marked [Export] but is not an instance method declared in 'M'; exported TorchScript methods are instance methods of the scripted class.",
            Members: "    [E3Sharp.Jit.Scripting.Export] public static Tensor Twice(Tensor t) => t * 2.0; // exported\n"),
        new("export_duplicate_name", """
        return x;
""", "// second", "E3S036",
            "[Export] on 'Thrice' names the TorchScript method 'scale', which another exported method already uses; give each exported method its own name.",
            Members: "    [E3Sharp.Jit.Scripting.Export(Name = \"scale\")] public Tensor Twice(Tensor t) => t * 2.0;\n    [E3Sharp.Jit.Scripting.Export(Name = \"scale\")] public Tensor Thrice(Tensor t) => t * 3.0; // second\n"),
        new("submodule_in_array", """
        return layers[0].call(x); // here
""", "layers[0]", "E3S026",
            "Submodules can only be called through a field or property of this module in scripted code ('this.norm.call(x)'); modules held in arrays, lists or other objects are not supported.",
            Members: "    private readonly nn.Module<Tensor, Tensor>[] layers = { nn.Identity() };\n"),
        new("do_while", """
        var y = x;
        do // here
        {
            y = y * 0.5;
        } while (torch.any(y > 1.0).item<bool>());
        return y;
""", "do //", "E3S027",
            "do-while is not supported in scripted code; write 'while (true) { ...; if (!condition) break; }' or a while loop."),
        new("coalesce", """
        Tensor? maybe = x.dim() > 1 ? null : x;
        return maybe ?? x; // here
""", "maybe ?? x", "E3S028",
            "'??' is not supported in scripted code; write 'x is null ? y : x' or an if statement."),
        new("number_to_tensor", """
        Tensor one = 1.0; // here
        return x + one;
""", "Tensor one", "E3S031",
            "This implicitly converts a double to a Tensor, which creates a tensor; pass the number where the operator takes a scalar (e.g. 'x * 2.0', 'x.clamp_min(0.0)'), or write torch.full_like(x, value)."),
        new("assigned_in_loop", """
        Tensor last;
        var i = 0;
        while (true)
        {
            last = x * i; // here
            i++;
            if (i > 3) break;
        }
        return last;
""", "last = x", "E3S030",
            "Local 'last' is first assigned inside a loop; TorchScript does not see such a variable after the loop. Initialize it where it is declared."),
        new("element_assignment", """
        var y = x.clone();
        y[0] = x[1]; // here
        return y;
""", "y[0] =", "E3S033",
            "Element assignment (x[i] = v) is not supported in scripted code: tensors are not written in place. Build the result with torch.cat, torch.stack or torch.where, or collect tensors in a List<Tensor> with Add."),
        new("dictionary_compound_item_assignment", """
        var d = new Dictionary<string, Tensor> { ["a"] = x };
        d["a"] += x * 2.0; // here
        return d["a"];
""", "d[\"a\"] +=", "E3S033",
            "Compound item assignment (d[key] += v) is not supported in scripted code; write 'd[key] = d[key] + v'."),
        new("field_item_assignment", """
        saved["a"] = x; // here
        return x;
""", "saved[\"a\"] =", "E3S016",
            "Item assignment (d[key] = v, list[i] = v) is supported on a local dictionary or list that this method creates (new Dictionary<string, T> { ... }, new List<T> { ... }, [ ... ]) and assigns nothing else: a field, a parameter, or a value fixed when the module is scripted is written into the script as a copy, so the change would not be seen where it is read. Build a new dictionary or list in a local.",
            Members: "    private readonly Dictionary<string, Tensor> saved = new();\n"),
        new("using_other_than_scope_or_scalar", """
        using var y = x.relu(); // here
        return y;
""", "using var y", "E3S034",
            "'using' is not supported in scripted code, except 'using var scope = torch.NewDisposeScope();' (ignored: TorchScript manages tensor lifetimes) and 'using var s = number.ToScalar();' (s stands for the number)."),
        new("using_scalar_of_a_tensor", """
        using var s = x.sum().ToScalar(); // here
        return x * s;
""", "using var s", "E3S034",
            "'using' is not supported in scripted code, except 'using var scope = torch.NewDisposeScope();' (ignored: TorchScript manages tensor lifetimes) and 'using var s = number.ToScalar();' (s stands for the number)."),
        new("object_creation", """
        var ones = torch.ones(3);
        var r = new Random(1).Next(); // here
        return x * r;
""", "new Random", "E3S025",
            "Creating a System.Random is not supported in scripted code; only 'new List<Tensor>()', 'new Dictionary<string, Tensor> { [\"key\"] = x }' and array initializers ('new[] { a, b }') are. Create objects in the constructor and keep them in fields."),
    ];
}
