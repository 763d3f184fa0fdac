// The C# version of e3nn's guide "TorchScript JIT Support" (docs/guide/jit.rst), section by section.
// Run: dotnet run --project samples/Walkthrough -c Release [-- <output folder>]
using System.Globalization;
using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Samples.Walkthrough;
using E3Sharp.Testing;
using TorchSharp;
using static TorchSharp.torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var outDir = Path.GetFullPath(args.Length > 0 ? args[0] : "walkthrough-out");
Directory.CreateDirectory(outDir);
manual_seed(0);
var irreps = new Irreps("2x0e + 1x1o");

// ---------------------------------------------------------------------------------------------------------------
Section("Compile modes");
var norm = new Norm(irreps);
Console.WriteLine($"{norm}: irreps_out {norm.IrrepsOut}, compile mode {TorchScript.GetCompileMode(norm)}");
Console.WriteLine($"norm([[3, -4, 1, 2, 2], [0, 0, 0, 0, 0]]) = {Show(norm.call(tensor(new float[,] { { 3, -4, 1, 2, 2 }, { 0, 0, 0, 0, 0 } })))}");
Console.WriteLine($"modes: Norm {Mode(norm)}, MyModule {Mode(new MyModule(irreps))}, MyModule2 {Mode(new MyModule2(irreps))}, " +
                  $"AnotherModule {Mode(new AnotherModule(irreps))}, TracingModule {Mode(new TracingModule())}, " +
                  $"ChildMod {Mode(new ChildMod())}");

// ---------------------------------------------------------------------------------------------------------------
Section("Scripting: data-dependent control flow");
var plain = new PlainModule(irreps);
Console.WriteLine("PlainModule is MyModule without a compile mode (plain TorchSharp code).");
Try("TorchScript.Compile(plain)", () => TorchScript.Compile(plain));
Try("TorchScript.Script(plain)", () => TorchScript.Script(plain));
var mod = new MyModule(irreps);
var modScript = TorchScript.Script(mod);
Console.WriteLine("TorchScript.Script(mod) -> ScriptModule<Tensor, Tensor>:");
Console.WriteLine(Indent(TorchScript.Describe(modScript)));
var x1 = tensor(new float[,] { { 3, -4, 1, 2, 2 }, { 0, 0, 0, 0, 0 } });
var x2 = tensor(new float[,] { { 10, 0, 0, 0, 0 } });
Console.WriteLine($"mod_script({Show(x1)}) = {Show(modScript.call(x1))}   (no norm above 7: halved)");
Console.WriteLine($"mod_script({Show(x2)}) = {Show(modScript.call(x2))}   (a norm above 7: kept)");
var xr = irreps.Randn(4, -1);
Console.WriteLine($"allclose(mod(x), mod_script(x)) on random x: {allclose(mod.call(xr), modScript.call(xr))}; " +
                  $"on both examples: {allclose(mod.call(x1), modScript.call(x1)) && allclose(mod.call(x2), modScript.call(x2))}");

// ---------------------------------------------------------------------------------------------------------------
Section("Mixing tracing and scripting");
var mod2 = new AnotherModule(irreps);
var mod2Traced = TorchScript.Trace(mod2, irreps.Randn(3, -1));
Console.WriteLine("mod2_traced = TorchScript.Trace(mod2, irreps.Randn(3, -1))");
var zeros2 = zeros(2, irreps.Dim);
Console.WriteLine($"mod2_traced(zeros(2, {irreps.Dim})) = {Show(mod2Traced.call(zeros2))}");
var random3 = irreps.Randn(3, -1);
Console.WriteLine($"mod2_traced(irreps.Randn(3, -1)) = {Show(mod2Traced.call(random3))}");
Console.WriteLine($"same as eager: {allclose(mod2.call(zeros2), mod2Traced.call(zeros2)) && allclose(mod2.call(random3), mod2Traced.call(random3))}");
Console.WriteLine("How each part was compiled (the scripted loop survives inside the trace):");
Console.WriteLine(Indent(TorchScript.Describe(mod2Traced)));

// ---------------------------------------------------------------------------------------------------------------
Section("Custom tracing inputs (ITracingInputs)");
var mod3 = new TracingModule();
var mod3Compiled = TorchScript.Compile(mod3);
Console.WriteLine("TorchScript.Compile(mod3) -> " + TorchScript.Describe(mod3Compiled));
var xa = randn(5, 2);
var idx = tensor(new long[] { 0, 2, 4 });
Console.WriteLine($"mod3(x, [0, 2, 4]) = {Show(mod3.call(xa, idx))}, compiled: {Show(mod3Compiled.call(xa, idx))}");
var xb = randn(7, 3);
Console.WriteLine($"other shapes (7, 3) work too: {Show(mod3.call(xb, idx))} vs {Show(mod3Compiled.call(xb, idx))}");

// ---------------------------------------------------------------------------------------------------------------
Section("Testing: AssertAutoJitable");
Report("Assertions.AssertAutoJitable(mod2)", () => Assertions.AssertAutoJitable(mod2));
Report("Assertions.AssertAutoJitable(mod3, strictShapes: false)", () => Assertions.AssertAutoJitable(mod3, strictShapes: false));
Try("Assertions.AssertAutoJitable(mod3)", () => Assertions.AssertAutoJitable(mod3));
Report("Assertions.AssertAutoJitable(norm)", () => Assertions.AssertAutoJitable(norm));
Try("Assertions.AssertAutoJitable(plain)", () => Assertions.AssertAutoJitable(plain));

// ---------------------------------------------------------------------------------------------------------------
Section("Unsupported modules");
Try("TorchScript.Script(new Supermod())", () => TorchScript.Script(new Supermod()));

// ---------------------------------------------------------------------------------------------------------------
Section("Saving and loading");
var saved = new (string Name, jit.ScriptModule Module, Tensor[] Input)[]
{
    ("mymodule_scripted", modScript, [x1]),
    ("anothermodule_traced", mod2Traced, [random3]),
    ("tracingmodule", mod3Compiled, [xa, idx]),
};
foreach (var (name, module, input) in saved)
{
    var path = Path.Combine(outDir, name + ".pt");
    jit.save(module, path);
    using var loaded = jit.load(path);
    var same = allclose((Tensor)module.forward(input.Cast<object>().ToArray()), (Tensor)loaded.forward(input.Cast<object>().ToArray()));
    Console.WriteLine($"{Path.GetFileName(path),-26} {new FileInfo(path).Length,7} bytes; loaded back, same outputs: {same}");
}

Console.WriteLine($"The files are TorchScript archives: PyTorch loads them with torch.jit.load(\"{Path.Combine(outDir, "mymodule_scripted.pt")}\").");
return 0;

// ---------------------------------------------------------------------------------------------------------------
static void Section(string title)
{
    Console.WriteLine();
    Console.WriteLine("== " + title + " " + new string('=', Math.Max(0, 100 - title.Length)));
}

static string Mode(nn.Module m) => TorchScript.GetCompileMode(m)?.ToString() ?? "none";

static void Try(string what, Func<object> action)
{
    try
    {
        action();
        Console.WriteLine($"{what}: succeeded");
    }
    catch (Exception e)
    {
        Console.WriteLine($"{what}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    }
}

static void Report(string what, Func<jit.ScriptModule> action)
{
    var compiled = action();
    Console.WriteLine($"{what}: passed ({TorchScript.Describe(compiled).Split('\n')[0]})");
}

static string Indent(string text) => "    " + text.Replace("\n", "\n    ", StringComparison.Ordinal);

static string Show(Tensor t)
{
    if (t.dim() == 0)
    {
        return t.to(float64).item<double>().ToString("0.####", CultureInfo.InvariantCulture);
    }

    var rows = t.dim() == 1 ? t.unsqueeze(0) : t.reshape(t.shape[0], -1);
    var text = Enumerable.Range(0, (int)rows.shape[0]).Select(i =>
        "[" + string.Join(", ", rows[i].to(float64).data<double>().ToArray().Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))) + "]");
    return t.dim() == 1 ? text.Single() : "[" + string.Join(", ", text) + "]";
}
