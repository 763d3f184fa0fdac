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
/// FullyConnectedTensorProduct("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e"), batch 4096, float32, one thread:
/// forward and forward+backward, with a GFLOP/s column (see <see cref="TensorProductWorkload.ForwardFlops"/>).
/// </summary>
[Config(typeof(BenchConfig))]
public class TensorProductBenchmarks
{
    private TensorProductWorkload? _workload;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        _workload = new TensorProductWorkload();
    }

    [GlobalCleanup]
    public void Cleanup() => _workload?.Dispose();

    [Benchmark(Baseline = true)]
    public void Forward() => _workload!.Forward();

    [Benchmark]
    public void ForwardBackward() => _workload!.ForwardBackward();

    private sealed class BenchConfig : ManualConfig
    {
        public BenchConfig()
        {
            // In-process: a separately built benchmark project would not get the patched libLibTorchSharp.so
            // (Directory.Build.targets), and one thread is set with torch.set_num_threads in the setup.
            AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(20).WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(new FlopsColumn());
        }
    }

    private sealed class FlopsColumn : IColumn
    {
        private static readonly double ForwardFlops = ComputeFlops();

        private static double ComputeFlops()
        {
            using var w = new TensorProductWorkload();
            return w.ForwardFlops();
        }

        public string Id => nameof(FlopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Useful GFLOP/s (sparse CG contraction + weight mixing; backward counted as 2x forward)";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var report = summary[benchmarkCase];
            var mean = report?.ResultStatistics?.Mean;
            if (mean is null) return "-";
            var flops = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(Forward) ? ForwardFlops : 3 * ForwardFlops;
            return (flops / (mean.Value * 1e-9) / 1e9).ToString("F2");
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            GetValue(summary, benchmarkCase);
    }
}
