// The child process of the input fuzz (tests/E3Sharp.Tests/Fuzz/InputFuzzTests.cs): runs fuzz cases and prints one
// line per case, so that a case that aborts the process (a LibTorch C++ exception escaping) or hangs is caught by the
// parent, which sees "start" without "result".
//
//   dotnet E3Sharp.FuzzHost.dll <seed> <first case> <case count>
//
// prints "start <case>" before and "result <case> <class> <detail>" after each case; classes: equal (eager and
// compiled agree), refused (both throw managed exceptions), silent (the compiled module accepts what eager refuses),
// mismatch (different results, or compiled refuses what eager accepts).
//
//   dotnet E3Sharp.FuzzHost.dll graph <probe>
//
// runs one bad input to a graph helper or e3nn.math function (GraphProbes) and prints its outcome.
//
//   dotnet E3Sharp.FuzzHost.dll allocator keep|default
//
// measures the page faults of an autograd workload's steps, with or without TorchAllocator.KeepFreedMemory.
using E3Sharp.FuzzHost;

if (args.Length == 2 && args[0] == "graph")
{
    return GraphProbes.Run(args[1]);
}

if (args.Length == 2 && args[0] == "allocator")
{
    return AllocatorProbe.Run(args[1]);
}

if (args.Length != 3 || !int.TryParse(args[0], out var seed) || !int.TryParse(args[1], out var first) ||
    !int.TryParse(args[2], out var count))
{
    Console.Error.WriteLine("usage: E3Sharp.FuzzHost <seed> <first case> <case count>");
    return 2;
}

TorchSharp.torch.set_num_threads(1);
var runner = new CaseRunner(seed);
for (var i = first; i < first + count; i++)
{
    Console.Out.WriteLine($"start {i}");
    Console.Out.Flush();
    var (cls, detail) = runner.Run(i);
    Console.Out.WriteLine($"result {i} {cls} {detail.Replace('\n', ' ')}");
    Console.Out.Flush();
}

return 0;
