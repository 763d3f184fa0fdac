// Compile time of TorchScript.Compile and compiled-vs-eager forward speed (stopwatch, medians of interleaved runs).
// dotnet run --project bench/E3Sharp.CompileBench -c Release [-- --threads N --rounds R --anchor PATH]
// Ahead of time: dotnet publish bench/E3Sharp.CompileBench -c Release -r linux-x64 -p:PublishReadyToRun=true
using System.Diagnostics;
using E3Sharp.Bench;
using E3Sharp.CompileBench;
using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

var threads = Arg("--threads", 1);
var rounds = Arg("--rounds", 30);
set_num_threads(threads);
Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version}, {get_num_threads()} thread(s), {Environment.ProcessorCount} cores, {rounds} rounds");

manual_seed(0);
// Construct + compile, the first in this process: it includes the .NET JIT compiling E3Sharp's code (publish with
// -p:PublishReadyToRun=true to precompile it). LibTorch's TorchScript runtime is started before by loading the e3nn
// anchor and running it once when there is one (its interpreter's first run is a one-time cost of its own), else
// that start is included.
var anchorPath = AnchorLocator.Find(ArgText("--anchor"));
var libTorchStart = Stopwatch.StartNew();
if (anchorPath is not null)
{
    using var anchor = jit.load<Tensor, Tensor, Tensor>(anchorPath);
    using var scope = NewDisposeScope();
    try
    {
        anchor.call(randn(4, new Irreps("32x0e+32x1o+32x2e").Dim), randn(4, new Irreps("0e+1o+2e").Dim));
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        Console.WriteLine($"The anchor {anchorPath} did not run on the float32 product's inputs ({e.Message.Split('\n')[0]}); its load started LibTorch's TorchScript runtime.");
    }
}
var startMs = libTorchStart.Elapsed.TotalMilliseconds;
var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
var firstCall = Stopwatch.StartNew();
var tp = new FullyConnectedTensorProduct("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e");
var constructMs = firstCall.Elapsed.TotalMilliseconds;
TorchScript.Compile(tp).Dispose();
Console.WriteLine($"Construct + compile of FullyConnectedTensorProduct(32x0e+32x1o+32x2e x 0e+1o+2e), first in this " +
                  $"process: {firstCall.Elapsed.TotalMilliseconds:F0} ms (construct {constructMs:F0} ms; .NET JIT " +
                  $"{(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:F0} ms of it; " +
                  (anchorPath is null ? "LibTorch's TorchScript start included)"
                      : $"LibTorch's TorchScript runtime started before, loading and running the e3nn anchor: {startMs:F0} ms)"));
var x = tp.IrrepsIn1.Randn(4096, -1);
var y = tp.IrrepsIn2.Randn(4096, -1);
TimeCompile("FullyConnectedTensorProduct(32x0e+32x1o+32x2e x 0e+1o+2e)", () => TorchScript.Compile(tp), () => TorchScript.Compile(tp, inPlace: true));
var tpCompiled = TorchScript.Compile(tp);
TimeForward("FCTP forward, batch 4096", () => tp.call(x, y), () => tpCompiled.call(x, y));

var net = new GateNetwork("8x0e + 8x1o + 4x2e", "8x0e + 8x1o");
var xn = net.IrrepsIn.Randn(4096, -1);
var example = net.IrrepsIn.Randn(4, -1);
TimeCompile("GateNetwork (Linear -> Gate -> Linear), traced around a scripted Gate",
    () => TorchScript.Trace(net, example), () => TorchScript.Compile(net, inPlace: true));
var netCompiled = TorchScript.Trace(net, example);
Console.WriteLine(TorchScript.Describe(netCompiled));
TimeForward("GateNetwork forward, batch 4096", () => net.call(xn), () => netCompiled.call(xn));
return;

string? ArgText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}

void TimeCompile(string what, Func<jit.ScriptModule> copy, Func<jit.ScriptModule> inPlace)
{
    var first = Stopwatch.StartNew();
    copy().Dispose();
    var firstMs = first.Elapsed.TotalMilliseconds;
    var a = new List<double>();
    var b = new List<double>();
    var n = Math.Max(5, rounds / 3);
    for (var i = 0; i < n; i++)
    {
        using var scope = NewDisposeScope();
        var sw = Stopwatch.StartNew();
        copy().Dispose();
        a.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        inPlace().Dispose();
        b.Add(sw.Elapsed.TotalMilliseconds);
    }

    Console.WriteLine($"Compile {what}: first {firstMs:F0} ms; then median {Median(a):F1} ms (min {a.Min():F1}), " +
                      $"inPlace median {Median(b):F1} ms");
}

void TimeForward(string what, Func<Tensor> eager, Func<Tensor> compiled)
{
    using var noGrad = no_grad();
    for (var i = 0; i < 10; i++)
    {
        using var s = NewDisposeScope();
        eager();
        compiled();
    }

    var e = new List<double>();
    var c = new List<double>();
    for (var i = 0; i < rounds; i++)
    {
        using var s = NewDisposeScope();
        var sw = Stopwatch.StartNew();
        eager();
        e.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        compiled();
        c.Add(sw.Elapsed.TotalMilliseconds);
    }

    Console.WriteLine($"{what}: eager median {Median(e):F2} ms (min {e.Min():F2}), compiled median {Median(c):F2} ms " +
                      $"(min {c.Min():F2}); eager/compiled = {Median(e) / Median(c):F2}");
}

static double Median(List<double> v)
{
    var s = v.OrderBy(t => t).ToList();
    return s[s.Count / 2];
}
