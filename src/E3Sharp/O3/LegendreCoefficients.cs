using System.Collections.Concurrent;
using System.Numerics;

namespace E3Sharp.O3;

/// <summary>
/// Coefficients of e3nn's normalised associated Legendre functions as polynomials in <c>z = cos(beta)</c> times
/// <c>y^m</c> (<c>y = sin(beta)</c>): <c>P(l, m) = sqrt((2l+1)/(4 pi) (l-m)!/(l+m)!) / (2^l l!) y^m
/// d^(l+m)/dz^(l+m) (z^2 - 1)^l</c> (Wikipedia's definition without the Condon-Shortley phase and <c>(-1)^l</c>,
/// <c>P(l, -m) = P(l, m)</c>). The integer parts are exact (<see cref="BigInteger"/>), so each double is within a few
/// ulps of e3nn's sympy values.
/// </summary>
internal static class LegendreCoefficients
{
    private static readonly ConcurrentDictionary<(int L, int M), (int Power, double Coefficient)[]> Cache = new();

    /// <summary>The non-zero terms <c>c z^power</c> of <c>P(l, |m|) / y^|m|</c>, highest power first.</summary>
    public static (int Power, double Coefficient)[] Terms(int l, int m) => Cache.GetOrAdd((l, Math.Abs(m)), Build);

    private static (int Power, double Coefficient)[] Build((int L, int M) key)
    {
        var (l, m) = key;
        var n = l + m;                                   // order of the derivative
        var norm = Math.Sqrt((2 * l + 1) / (4 * Math.PI) * (double)Factorial(l - m) / (double)Factorial(l + m));
        var denominator = BigInteger.Pow(2, l) * Factorial(l);
        var terms = new List<(int, double)>();
        for (var j = l; j >= 0; j--)
        {
            // (z^2 - 1)^l = sum_j C(l, j) (-1)^(l-j) z^(2j); the n-th derivative of z^(2j) is (2j)!/(2j-n)! z^(2j-n).
            if (2 * j < n) continue;
            var numerator = Binomial(l, j) * Factorial(2 * j) / Factorial(2 * j - n);
            if ((l - j) % 2 == 1) numerator = -numerator;
            terms.Add((2 * j - n, (double)numerator / (double)denominator * norm));
        }

        return terms.ToArray();
    }

    private static BigInteger Factorial(int n)
    {
        var r = BigInteger.One;
        for (var i = 2; i <= n; i++) r *= i;
        return r;
    }

    private static BigInteger Binomial(int n, int k) => Factorial(n) / (Factorial(k) * Factorial(n - k));
}
