using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;

namespace E3Sharp.Bench;

/// <summary>
/// BenchmarkDotNet view of the same workload (run with <c>--bdn</c>): forward and forward+backward of E3Sharp eager,
/// E3Sharp compiled, e3nn's compiled anchor (when found) and the GEMM floor, float32, one thread, per batch size; the
/// anchor is the baseline, so the Ratio column is ours / e3nn. Each benchmark case runs alone (not interleaved), so
/// on a shared machine the interleaved table of the default mode gives the steadier ratios.
/// </summary>
[Config(typeof(BenchConfig))]
public class TensorProductBenchmarks
{
    /// <summary>The anchor file (set by Program before BenchmarkDotNet runs; in-process toolchain).</summary>
    public static string? AnchorPath { get; set; }

    private TensorProductWorkload? _workload;

    [Params(1, 64, 4096)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        _workload = new TensorProductWorkload(Batch, torch.ScalarType.Float32, AnchorPath);
    }

    [GlobalCleanup]
    public void Cleanup() => _workload?.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Forward")]
    public void E3nnForward()
    {
        if (_workload!.Has(Contender.E3nnCompiled)) _workload.Forward(Contender.E3nnCompiled);
    }

    [Benchmark]
    [BenchmarkCategory("Forward")]
    public void EagerForward() => _workload!.Forward(Contender.E3SharpEager);

    [Benchmark]
    [BenchmarkCategory("Forward")]
    public void CompiledForward() => _workload!.Forward(Contender.E3SharpCompiled);

    [Benchmark]
    [BenchmarkCategory("Forward")]
    public void GemmFloorForward() => _workload!.Forward(Contender.GemmFloor);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("ForwardBackward")]
    public void E3nnForwardBackward()
    {
        if (_workload!.Has(Contender.E3nnCompiled)) _workload.ForwardBackward(Contender.E3nnCompiled);
    }

    [Benchmark]
    [BenchmarkCategory("ForwardBackward")]
    public void EagerForwardBackward() => _workload!.ForwardBackward(Contender.E3SharpEager);

    [Benchmark]
    [BenchmarkCategory("ForwardBackward")]
    public void CompiledForwardBackward() => _workload!.ForwardBackward(Contender.E3SharpCompiled);

    private sealed class BenchConfig : ManualConfig
    {
        public BenchConfig()
        {
            // In-process: a separately built benchmark project would not get the patched libLibTorchSharp.so
            // (Directory.Build.targets), and one thread is set with torch.set_num_threads in the setup.
            AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(20).WithToolchain(InProcessEmitToolchain.Instance));
            AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
            AddColumn(new FlopsColumn());
        }
    }

    private sealed class FlopsColumn : IColumn
    {
        private static readonly Dictionary<int, double> Flops = new();

        private static double ForwardFlops(int batch)
        {
            lock (Flops)
            {
                if (!Flops.TryGetValue(batch, out var f))
                {
                    using var w = new TensorProductWorkload(batch, compile: false);
                    Flops[batch] = f = w.ForwardFlops();
                }
                return f;
            }
        }

        public string Id => nameof(FlopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Useful GFLOP/s of the tensor product (sparse CG contraction + weight mixing; backward counted as 2x forward)";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var report = summary[benchmarkCase];
            var mean = report?.ResultStatistics?.Mean;
            var name = benchmarkCase.Descriptor.WorkloadMethod.Name;
            if (mean is null || name.StartsWith("GemmFloor", StringComparison.Ordinal)) return "-";
            var batch = (int)benchmarkCase.Parameters["Batch"];
            var flops = name.EndsWith("ForwardBackward", StringComparison.Ordinal) ? 3 * ForwardFlops(batch) : ForwardFlops(batch);
            return (flops / (mean.Value * 1e-9) / 1e9).ToString("F2");
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            GetValue(summary, benchmarkCase);
    }
}
