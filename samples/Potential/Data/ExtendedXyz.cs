using System.Globalization;
using System.Text;
using E3Sharp.Samples.Potential.Reference;

namespace E3Sharp.Samples.Potential.Data;

/// <summary>
/// Reads and writes extended XYZ, the format atomistic datasets use (ASE, QUIP, NequIP): per frame an atom count,
/// a comment line of <c>key=value</c> pairs (<c>Lattice="ax ay az bx by bz cx cy cz"</c>,
/// <c>Properties=species:S:1:pos:R:3:forces:R:3</c>, <c>energy=</c>, <c>stress="9 or 6 (Voigt) values"</c> or
/// <c>virial=</c>, <c>pbc="T T T"</c>), then one line per atom with the columns <c>Properties</c> names.
/// </summary>
public static class ExtendedXyz
{
    /// <summary>Reads every frame of a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="typeNames">Species names in type order; symbols not yet in it are appended (so a fixed list of the
    /// model's types keeps their indices).</param>
    public static List<Configuration> Read(string path, List<string> typeNames)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path);
        try
        {
            return Read(reader, typeNames);
        }
        catch (FormatException e)
        {
            throw new FormatException($"ExtendedXyz: {path}: {e.Message}", e);
        }
    }

    /// <summary>Reads every frame from a reader.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="typeNames">Species names in type order (appended to for new symbols).</param>
    public static List<Configuration> Read(TextReader reader, List<string> typeNames)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(typeNames);
        var frames = new List<Configuration>();
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (!int.TryParse(line.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 0)
            {
                throw new FormatException($"line {lineNumber}: expected an atom count, got '{Short(line)}'.");
            }

            var comment = reader.ReadLine() ?? throw new FormatException($"line {lineNumber + 1}: missing comment line.");
            lineNumber++;
            var info = ParseInfo(comment, lineNumber);
            var columns = ParseProperties(info.GetValueOrDefault("properties", "species:S:1:pos:R:3"), lineNumber);
            var positions = new double[n, 3];
            double[,]? forces = columns.Any(c => c.Name == "forces") ? new double[n, 3] : null;
            var species = new int[n];
            for (var i = 0; i < n; i++)
            {
                var atomLine = reader.ReadLine() ?? throw new FormatException($"frame ends after {i} of {n} atoms.");
                lineNumber++;
                var fields = atomLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                var col = 0;
                foreach (var (name, type, count) in columns)
                {
                    if (col + count > fields.Length)
                    {
                        throw new FormatException($"line {lineNumber}: {fields.Length} columns, Properties needs more.");
                    }

                    if (name is "species" || (name is "Z" && type == 'I'))
                    {
                        var symbol = name == "Z" ? Symbol(int.Parse(fields[col], CultureInfo.InvariantCulture)) : fields[col];
                        var t = typeNames.IndexOf(symbol);
                        if (t < 0)
                        {
                            typeNames.Add(symbol);
                            t = typeNames.Count - 1;
                        }

                        species[i] = t;
                    }
                    else if (name is "pos" or "forces" && count == 3)
                    {
                        var target = name == "pos" ? positions : forces!;
                        for (var k = 0; k < 3; k++)
                        {
                            target[i, k] = ParseDouble(fields[col + k], lineNumber);
                        }
                    }

                    col += count;
                }
            }

            var configuration = new Configuration(positions, species) { Forces = forces };
            if (info.TryGetValue("lattice", out var lattice))
            {
                configuration.Cell = Matrix(Numbers(lattice, 9, "Lattice", lineNumber));
                configuration.Pbc = new[] { true, true, true };
            }

            if (info.TryGetValue("pbc", out var pbc))
            {
                var flags = pbc.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (flags.Length != 3)
                {
                    throw new FormatException($"line {lineNumber}: pbc needs 3 flags, got '{pbc}'.");
                }

                configuration.Pbc = flags.Select(f => f is "T" or "True" or "true" or "1").ToArray();
            }

            if (info.TryGetValue("energy", out var energy))
            {
                configuration.Energy = ParseDouble(energy, lineNumber);
            }

            if (info.TryGetValue("stress", out var stress))
            {
                configuration.Stress = StressMatrix(Numbers(stress, -1, "stress", lineNumber), lineNumber);
            }
            else if (info.TryGetValue("virial", out var virial) && configuration.Cell is not null)
            {
                // virial = −stress · V (the convention of QUIP and NequIP).
                var v = StressMatrix(Numbers(virial, -1, "virial", lineNumber), lineNumber);
                var volume = configuration.Volume;
                configuration.Stress = new double[3, 3];
                for (var a = 0; a < 3; a++)
                {
                    for (var b = 0; b < 3; b++)
                    {
                        configuration.Stress[a, b] = -v[a, b] / volume;
                    }
                }
            }

            frames.Add(configuration);
        }

        return frames;
    }

    /// <summary>Writes frames (species names from <paramref name="typeNames"/>).</summary>
    /// <param name="writer">The output.</param>
    /// <param name="frames">The configurations.</param>
    /// <param name="typeNames">Species names in type order.</param>
    public static void Write(TextWriter writer, IEnumerable<Configuration> frames, IReadOnlyList<string> typeNames)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(typeNames);
        foreach (var c in frames)
        {
            writer.Write(c.Count.ToString(CultureInfo.InvariantCulture));
            writer.Write('\n');
            var header = new StringBuilder();
            if (c.Cell is not null)
            {
                header.Append("Lattice=\"").Append(Join(c.Cell)).Append("\" ");
            }

            header.Append(c.Forces is null ? "Properties=species:S:1:pos:R:3" : "Properties=species:S:1:pos:R:3:forces:R:3");
            if (c.Energy is { } e)
            {
                header.Append(" energy=").Append(e.ToString("R", CultureInfo.InvariantCulture));
            }

            if (c.Stress is not null)
            {
                header.Append(" stress=\"").Append(Join(c.Stress)).Append('"');
            }

            header.Append(" pbc=\"").Append(string.Join(" ", c.Pbc.Select(p => p ? "T" : "F"))).Append('"');
            writer.Write(header.ToString());
            writer.Write('\n');
            for (var i = 0; i < c.Count; i++)
            {
                var line = new StringBuilder(typeNames[c.Species[i]]);
                for (var k = 0; k < 3; k++)
                {
                    line.Append(' ').Append(c.Positions[i, k].ToString("R", CultureInfo.InvariantCulture));
                }

                if (c.Forces is not null)
                {
                    for (var k = 0; k < 3; k++)
                    {
                        line.Append(' ').Append(c.Forces[i, k].ToString("R", CultureInfo.InvariantCulture));
                    }
                }

                writer.Write(line.ToString());
                writer.Write('\n');
            }
        }
    }

    /// <summary>The <c>key=value</c> pairs of a comment line (keys lower-cased; a bare key reads as <c>T</c>).</summary>
    /// <param name="comment">The comment line.</param>
    /// <param name="lineNumber">For messages.</param>
    public static Dictionary<string, string> ParseInfo(string comment, int lineNumber = 0)
    {
        ArgumentNullException.ThrowIfNull(comment);
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < comment.Length)
        {
            while (i < comment.Length && char.IsWhiteSpace(comment[i]))
            {
                i++;
            }

            if (i >= comment.Length)
            {
                break;
            }

            var start = i;
            while (i < comment.Length && comment[i] != '=' && !char.IsWhiteSpace(comment[i]))
            {
                i++;
            }

            var key = comment[start..i].ToLowerInvariant();
            if (i >= comment.Length || comment[i] != '=')
            {
                info[key] = "T";
                continue;
            }

            i++;
            string value;
            if (i < comment.Length && (comment[i] == '"' || comment[i] == '\''))
            {
                var quote = comment[i++];
                var end = comment.IndexOf(quote, i);
                if (end < 0)
                {
                    throw new FormatException($"line {lineNumber}: unterminated quote in the value of '{key}'.");
                }

                value = comment[i..end];
                i = end + 1;
            }
            else
            {
                var end = i;
                while (end < comment.Length && !char.IsWhiteSpace(comment[end]))
                {
                    end++;
                }

                value = comment[i..end];
                i = end;
            }

            info[key] = value;
        }

        return info;
    }

    private static List<(string Name, char Type, int Count)> ParseProperties(string spec, int lineNumber)
    {
        var parts = spec.Split(':');
        if (parts.Length % 3 != 0)
        {
            throw new FormatException($"line {lineNumber}: Properties '{spec}' is not name:type:count triples.");
        }

        var columns = new List<(string, char, int)>();
        for (var k = 0; k < parts.Length; k += 3)
        {
            if (parts[k + 1].Length != 1 || !int.TryParse(parts[k + 2], out var count) || count < 1)
            {
                throw new FormatException($"line {lineNumber}: bad Properties entry '{parts[k]}:{parts[k + 1]}:{parts[k + 2]}'.");
            }

            columns.Add((parts[k], parts[k + 1][0], count));
        }

        if (!columns.Any(c => c.Item1 == "pos") || !columns.Any(c => c.Item1 is "species" or "Z"))
        {
            throw new FormatException($"line {lineNumber}: Properties '{spec}' needs pos and species (or Z) columns.");
        }

        return columns;
    }

    private static double[] Numbers(string value, int count, string key, int lineNumber)
    {
        var items = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(v => ParseDouble(v, lineNumber)).ToArray();
        if (count >= 0 && items.Length != count)
        {
            throw new FormatException($"line {lineNumber}: {key} needs {count} numbers, got {items.Length}.");
        }

        return items;
    }

    private static double[,] StressMatrix(double[] v, int lineNumber) => v.Length switch
    {
        9 => Matrix(v),
        // Voigt order xx yy zz yz xz xy.
        6 => Matrix(new[] { v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2] }),
        _ => throw new FormatException($"line {lineNumber}: a stress needs 9 or 6 (Voigt) numbers, got {v.Length}."),
    };

    private static double[,] Matrix(double[] v)
    {
        var m = new double[3, 3];
        for (var k = 0; k < 9; k++)
        {
            m[k / 3, k % 3] = v[k];
        }

        return m;
    }

    private static string Join(double[,] m) => string.Join(" ",
        Enumerable.Range(0, 9).Select(k => m[k / 3, k % 3].ToString("R", CultureInfo.InvariantCulture)));

    private static double ParseDouble(string s, int lineNumber) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"line {lineNumber}: '{Short(s)}' is not a number.");

    private static string Short(string s) => s.Length > 60 ? s[..60] + "…" : s;

    private static readonly string[] Elements =
    {
        "X", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K",
        "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr",
        "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La",
        "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os",
        "Ir", "Pt", "Au", "Hg",
    };

    private static string Symbol(int z) => z >= 0 && z < Elements.Length ? Elements[z] : $"Z{z}";
}
