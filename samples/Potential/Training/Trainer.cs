using System.Diagnostics;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Training;

/// <summary>Settings of <see cref="Trainer"/>.</summary>
public sealed record TrainOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Configurations per optimisation step.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Initial Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Learning rate at the end (decayed exponentially from <see cref="LearningRate"/>).</summary>
    public double FinalLearningRate { get; init; } = 5e-4;

    /// <summary>Weight of the per-atom energy term of the loss (the force term has weight 1).</summary>
    public double EnergyWeight { get; init; } = 1.0;

    /// <summary>
    /// Weight of the stress term of the loss, on the virial per atom (<c>σ · V / N</c>, eV: the scale of the energy
    /// per atom), for the configurations with a reference stress.
    /// </summary>
    public double StressWeight { get; init; } = 1.0;

    /// <summary>Seed for the shuffling.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>
    /// Wall-time budget (null: none). With a budget the learning rate decays with the elapsed fraction of it (not
    /// with the epoch), so a run on a loaded machine still ends at the final rate, and training stops after the step
    /// during which the budget ran out (then validates once more) or after <see cref="Epochs"/> epochs, whichever
    /// comes first.
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>
    /// Ends with the weights of the epoch with the lowest validation score <c>F-RMSE² + w_E · (E-MAE per atom)²</c>
    /// rather than those of the last epoch.
    /// </summary>
    public bool KeepBest { get; init; } = true;
}

/// <summary>Errors of a model on a set of configurations.</summary>
/// <param name="ForceMae">Mean absolute error of the force components (eV/Å).</param>
/// <param name="ForceRmse">Root mean square error of the force components (eV/Å).</param>
/// <param name="EnergyMaePerAtom">Mean absolute error of the energy per atom (eV/atom).</param>
/// <param name="StressRmse">Root mean square error of the stress components (eV/Å³) over the configurations with a
/// reference stress (NaN when none has one).</param>
public sealed record Metrics(double ForceMae, double ForceRmse, double EnergyMaePerAtom, double StressRmse = double.NaN);

/// <summary>One line of the learning curve.</summary>
/// <param name="Epoch">Epoch (1-based).</param>
/// <param name="Seconds">Wall time since training started.</param>
/// <param name="LearningRate">Learning rate used in the epoch.</param>
/// <param name="TrainLoss">Mean training loss of the epoch.</param>
/// <param name="TrainForceRmse">Force RMSE over the epoch's training batches (eV/Å, model in training mode).</param>
/// <param name="Validation">Errors on the validation set after the epoch.</param>
/// <param name="Steps">Optimisation steps taken in the epoch (fewer than a full pass when the time budget ran out).</param>
public sealed record EpochRecord(int Epoch, double Seconds, double LearningRate, double TrainLoss,
    double TrainForceRmse, Metrics Validation, int Steps = 0);

/// <summary>
/// Trains a potential (<see cref="IPotential"/>: the NequIP-style <see cref="EnergyForces"/> or the Allegro-style one) with TorchSharp's Adam on energies, forces and stresses:
/// <c>loss = mean |F − F_ref|² + w_E · mean ((E − E_ref) / N)² + w_S · mean ((σ − σ_ref) V / N)²</c>, after setting the model's energy scale to the
/// force RMS and its per-species shifts to a least-squares fit of the training energies (as NequIP does).
/// </summary>
public sealed class Trainer
{
    private readonly IPotential _potential;
    private readonly TrainOptions _options;
    private bool _statisticsSet;

    /// <summary>Creates the trainer.</summary>
    /// <param name="potential">The potential to train (its parameters are updated in place).</param>
    /// <param name="options">Settings.</param>
    public Trainer(IPotential potential, TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(potential);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs < 1 || options.BatchSize < 1 || !(options.LearningRate > 0) ||
            !(options.FinalLearningRate > 0))
        {
            throw new ArgumentException(
                $"Trainer: epochs, batch size and learning rates must be positive, got {options}.", nameof(options));
        }

        _potential = potential;
        _options = options;
    }

    /// <summary>The learning curve so far.</summary>
    public List<EpochRecord> History { get; } = new();

    /// <summary>Called after each epoch (for a progress display).</summary>
    public Action<EpochRecord>? OnEpoch { get; set; }

    /// <summary>Called after each step with (step within the epoch, steps per epoch, batch loss).</summary>
    public Action<int, int, double>? OnStep { get; set; }

    /// <summary>
    /// Sets the model's energy scale to the force RMS of the training data and its per-species shifts to the
    /// least-squares fit of the training energies (done by <see cref="Fit"/> when not done before).
    /// </summary>
    /// <param name="train">Training configurations.</param>
    public void SetStatistics(IReadOnlyList<Configuration> train)
    {
        ArgumentNullException.ThrowIfNull(train);
        _potential.SetScaleShift(Dataset.ForceRms(train), Dataset.FitShifts(train, _potential.TypeNames.Count));
        _statisticsSet = true;
    }

    /// <summary>Keeps the model's energy scale and shifts as they are (a model trained before).</summary>
    public void KeepStatistics() => _statisticsSet = true;

    /// <summary>Sets the energy scale and shifts from the training data (unless already set), then trains.</summary>
    /// <param name="train">Training configurations.</param>
    /// <param name="validation">Validation configurations.</param>
    public void Fit(IReadOnlyList<Configuration> train, IReadOnlyList<Configuration> validation)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        var module = _potential.Module;
        if (!_statisticsSet)
        {
            SetStatistics(train);
        }

        var parameters = module.parameters().ToList();
        var optimizer = optim.Adam(parameters, lr: _options.LearningRate);
        var random = new Random(_options.Seed);
        var order = Enumerable.Range(0, train.Count).ToArray();
        var steps = (train.Count + _options.BatchSize - 1) / _options.BatchSize;
        var clock = Stopwatch.StartNew();
        var limit = _options.TimeLimit;
        var ratio = _options.FinalLearningRate / _options.LearningRate;
        // Exponential decay from the initial to the final rate over the run's progress: epochs done, or the spent
        // fraction of the time budget when there is one (the later of the two).
        double Rate(int epoch, int step)
        {
            var byEpoch = (epoch - 1.0) / Math.Max(1, _options.Epochs - 1);
            var progress = limit is { } l
                ? Math.Max(byEpoch + (double)step / steps / Math.Max(1, _options.Epochs - 1), clock.Elapsed / l)
                : byEpoch;
            return _options.LearningRate * Math.Pow(ratio, Math.Min(1, progress));
        }

        var bestScore = double.PositiveInfinity;
        Dictionary<string, Tensor>? best = null;
        var timeUp = false;
        for (var epoch = 1; epoch <= _options.Epochs && !timeUp; epoch++)
        {
            random.Shuffle(order);
            module.train();
            double lossSum = 0, sqSum = 0, lr = 0;
            long components = 0;
            var taken = 0;
            for (var s = 0; s < steps; s++)
            {
                lr = Rate(epoch, s);
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                using var scope = NewDisposeScope();
                var batch = order.Skip(s * _options.BatchSize).Take(_options.BatchSize).Select(i => train[i]).ToList();
                var graph = Graph.Batch(batch, _potential.RMax, _potential.Dtype);
                optimizer.zero_grad();
                var (loss, forceSq) = Loss(graph);
                loss.backward();
                optimizer.step();
                var value = loss.to(ScalarType.Float64).item<double>();
                lossSum += value;
                sqSum += forceSq.to(ScalarType.Float64).item<double>();
                components += graph.Forces!.numel();
                taken++;
                OnStep?.Invoke(s + 1, steps, value);
                if (limit is { } l && clock.Elapsed > l)
                {
                    timeUp = true;
                    break;
                }
            }

            var record = new EpochRecord(epoch, clock.Elapsed.TotalSeconds, lr, lossSum / taken,
                Math.Sqrt(sqSum / components), Evaluate(_potential, validation), taken);
            History.Add(record);
            OnEpoch?.Invoke(record);
            var score = Score(record.Validation);
            if (_options.KeepBest && score < bestScore)
            {
                bestScore = score;
                DisposeAll(best);
                best = module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
                BestEpoch = epoch;
                OnBest?.Invoke(epoch);
            }
        }

        if (best is not null)
        {
            using (no_grad())
            {
                foreach (var (name, value) in module.state_dict())
                {
                    value.copy_(best[name]);
                }
            }

            DisposeAll(best);
        }

        module.eval();
    }

    /// <summary>
    /// Called when an epoch's weights become the best so far (with <see cref="TrainOptions.KeepBest"/>), while the
    /// model holds them: a long run saves a checkpoint here, so that a crash or a kill loses nothing kept.
    /// </summary>
    public Action<int>? OnBest { get; set; }

    /// <summary>The epoch whose weights <see cref="Fit"/> kept (<see cref="TrainOptions.KeepBest"/>; 0: the last).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Validation score of <see cref="TrainOptions.KeepBest"/>, in the units of the loss.</summary>
    private double Score(Metrics m) =>
        m.ForceRmse * m.ForceRmse + _options.EnergyWeight * m.EnergyMaePerAtom * m.EnergyMaePerAtom;

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        foreach (var t in tensors?.Values ?? Enumerable.Empty<Tensor>())
        {
            t.Dispose();
        }
    }

    /// <summary>Errors of <paramref name="potential"/> on <paramref name="configurations"/> (evaluated in eval mode).</summary>
    /// <param name="potential">The potential.</param>
    /// <param name="configurations">Labelled configurations.</param>
    /// <param name="batchSize">Configurations per evaluation batch.</param>
    public static Metrics Evaluate(IPotential potential, IReadOnlyList<Configuration> configurations, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(potential);
        ArgumentNullException.ThrowIfNull(configurations);
        var module = potential.Module;
        var wasTraining = module.training;
        module.eval();
        double absSum = 0, sqSum = 0, energyAbs = 0, stressSq = 0, stressCount = 0;
        long components = 0;
        foreach (var chunk in configurations.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var graph = Graph.Batch(chunk, potential.RMax, potential.Dtype);
            var output = graph.Evaluate(potential);
            var (forces, atomic) = (output.Forces, output.AtomicEnergy);
            var diff = (forces.detach() - graph.Forces!).to(ScalarType.Float64);
            var stressDiff = (StressOf(output.Virial.detach(), graph) - graph.Stresses!) * graph.StressMask.view(-1, 1, 1);
            stressSq += stressDiff.to(ScalarType.Float64).square().sum().item<double>();
            stressCount += 9 * graph.StressMask.to(ScalarType.Float64).sum().item<double>();
            absSum += diff.abs().sum().item<double>();
            sqSum += diff.square().sum().item<double>();
            components += diff.numel();
            var energies = PerGraph(atomic.detach(), graph);
            energyAbs += ((energies - graph.Energies!) / graph.AtomCounts).to(ScalarType.Float64).abs().sum()
                .item<double>();
        }

        if (wasTraining)
        {
            module.train();
        }

        return new Metrics(absSum / components, Math.Sqrt(sqSum / components), energyAbs / configurations.Count,
            stressCount > 0 ? Math.Sqrt(stressSq / stressCount) : double.NaN);
    }

    /// <summary>Stress <c>−virial / V</c> per configuration <c>[G, 3, 3]</c> (eV/Å³, ASE's sign).</summary>
    public static Tensor StressOf(Tensor virial, Graph graph)
    {
        ArgumentNullException.ThrowIfNull(virial);
        ArgumentNullException.ThrowIfNull(graph);
        return -virial / graph.Volumes.view(-1, 1, 1);
    }

    private (Tensor Loss, Tensor ForceSquaredError) Loss(Graph graph)
    {
        var output = graph.Evaluate(_potential);
        var forceSq = (output.Forces - graph.Forces!).square();
        var energyTerm = ((output.Energy - graph.Energies!) / graph.AtomCounts).square().mean();
        var loss = forceSq.mean() + _options.EnergyWeight * energyTerm;
        if (_options.StressWeight > 0)
        {
            // On σ·V/N (the virial per atom, eV), masked where no reference stress is known.
            var perAtom = (graph.Volumes / graph.AtomCounts * graph.StressMask).view(-1, 1, 1);
            var stressTerm = ((StressOf(output.Virial, graph) - graph.Stresses!) * perAtom).square().mean();
            loss = loss + _options.StressWeight * stressTerm;
        }

        return (loss, forceSq.detach().sum());
    }

    /// <summary>Sums per-atom energies <c>[N, 1]</c> into per-configuration energies <c>[G]</c>.</summary>
    private static Tensor PerGraph(Tensor atomic, Graph graph)
    {
        using var alpha = 1.ToScalar();
        return zeros(graph.GraphCount, dtype: atomic.dtype).index_add(0, graph.GraphIndex, atomic.squeeze(-1), alpha);
    }
}
