using System.Globalization;

namespace E3Sharp.Nn;

/// <summary>Numbers as Python's <c>repr</c> writes them, for the e3nn-compatible <c>ToString</c> of modules.</summary>
internal static class PythonRepr
{
    /// <summary>A float as Python writes it: <c>1e-05</c>, <c>0.1</c>, <c>1.0</c>, <c>inf</c>, <c>nan</c>.</summary>
    public static string Float(double v)
    {
        if (double.IsNaN(v))
        {
            return "nan";
        }

        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }

        var s = v.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('e', StringComparison.Ordinal) ? s : s + ".0";
    }
}
