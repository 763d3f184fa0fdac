using System.Globalization;

namespace E3Sharp.Testing;

/// <summary>
/// The measured equivariance error of one transformation kind (e3nn's <c>equivariance_error</c> entry): the largest
/// componentwise difference <c>|f(D x) - D f(x)|</c> over the trials, per output.
/// </summary>
/// <param name="ParityK">0 for rotations, 1 for rotations composed with the inversion.</param>
/// <param name="MaxErrorPerOutput">For each output of the function, the largest error seen.</param>
public sealed record EquivarianceError(int ParityK, IReadOnlyList<double> MaxErrorPerOutput)
{
    /// <summary>The largest error over all outputs (0 if there are none).</summary>
    public double MaxError => MaxErrorPerOutput.Count == 0 ? 0.0 : MaxErrorPerOutput.Max();

    /// <summary>Index of the output with the largest error.</summary>
    public int WorstOutput
    {
        get
        {
            var worst = 0;
            for (var i = 1; i < MaxErrorPerOutput.Count; i++)
            {
                if (MaxErrorPerOutput[i] > MaxErrorPerOutput[worst]) worst = i;
            }
            return worst;
        }
    }

    /// <summary>e3nn's format: <c>(parity_k=0, did_translate=False) -> max error=7.388e+00 in argument 0</c>.</summary>
    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "(parity_k={0}, did_translate=False) -> max error={1} in argument {2}",
            ParityK, MaxError.ToString("0.000e+00", CultureInfo.InvariantCulture), WorstOutput);
}
