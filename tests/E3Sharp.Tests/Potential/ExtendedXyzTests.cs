using E3Sharp.Samples.Potential.Data;
using E3Sharp.Samples.Potential.Reference;

namespace E3Sharp.Tests.Potential;

/// <summary>Extended XYZ: the EMT data as ASE wrote it, round trips, Voigt stresses and virials, errors.</summary>
public class ExtendedXyzTests
{
    [Fact]
    public void ReadsTheEmtDataAseWrote()
    {
        var types = new List<string>();
        var frames = ExtendedXyz.Read(Path.Combine(EmtData.DefaultDirectory(), "cu_emt_test.xyz"), types);
        Assert.Equal(new[] { "Cu" }, types);
        Assert.True(frames.Count >= 32, $"expected the test set, got {frames.Count} frames");
        foreach (var f in frames)
        {
            Assert.Equal(32, f.Count);
            Assert.True(f.IsPeriodic && f.Pbc.All(p => p));
            Assert.NotNull(f.Forces);
            Assert.NotNull(f.Stress);
            // 2x2x2 fcc cells of a = 3.61 Å strained by at most 3 %: volume 376 Å³ within 10 %.
            Assert.InRange(f.Volume, 0.9 * 376.2, 1.1 * 376.2);
            // EMT's forces sum to zero (translation invariance) and its stress is symmetric.
            for (var k = 0; k < 3; k++)
            {
                var sum = Enumerable.Range(0, f.Count).Sum(i => f.Forces![i, k]);
                Assert.True(Math.Abs(sum) < 1e-6, $"force sum {sum:E2}");
            }

            Assert.Equal(f.Stress![0, 1], f.Stress[1, 0]);
            Assert.Equal(f.Stress[1, 2], f.Stress[2, 1]);
        }

        // The first frame's header, as written: energy and the first stress component.
        var header = File.ReadLines(Path.Combine(EmtData.DefaultDirectory(), "cu_emt_test.xyz")).Skip(1).First();
        var info = ExtendedXyz.ParseInfo(header);
        Assert.Equal(double.Parse(info["energy"], System.Globalization.CultureInfo.InvariantCulture), frames[0].Energy);
        Assert.Equal(double.Parse(info["stress"].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture),
            frames[0].Stress![0, 0]);
    }

    [Fact]
    public void WritingAndReadingGivesTheSameNumbers()
    {
        var c = new Configuration(new double[,] { { 0.1, 0.2, 0.3 }, { 1.0 / 3, 2.5, -1e-9 } }, new[] { 1, 0 })
        {
            Cell = new double[,] { { 5, 0, 0 }, { 0.5, 4.5, 0 }, { 0.1, 0.2, 6.0 / 7 } },
            Pbc = new[] { true, true, false },
            Energy = -7.123456789012345,
            Forces = new double[,] { { 0.5, -0.25, 1e-12 }, { -0.5, 0.25, -1e-12 } },
            Stress = new double[,] { { 0.01, 0.002, 0.003 }, { 0.002, -0.02, 0.004 }, { 0.003, 0.004, 0.03 } },
        };
        var writer = new StringWriter();
        ExtendedXyz.Write(writer, new[] { c, c }, new[] { "Cu", "Au" });
        var types = new List<string> { "Cu", "Au" };
        var back = ExtendedXyz.Read(new StringReader(writer.ToString()), types);
        Assert.Equal(2, back.Count);
        Assert.Equal(new[] { "Cu", "Au" }, types);
        var r = back[1];
        Assert.Equal(c.Species, r.Species);
        Assert.Equal(c.Positions, r.Positions);
        Assert.Equal(c.Cell, r.Cell);
        Assert.Equal(c.Pbc, r.Pbc);
        Assert.Equal(c.Energy, r.Energy);
        Assert.Equal(c.Forces, r.Forces);
        Assert.Equal(c.Stress, r.Stress);
    }

    [Fact]
    public void VoigtStressVirialAndAtomicNumbersAreUnderstood()
    {
        const string text = """
            2
            Lattice="4 0 0 0 5 0 0 0 2" Properties=Z:I:1:pos:R:3 virial="-20 -1 -2 -1 -40 -3 -2 -3 -60" pbc="T T T" name=x
            29 0 0 0
            79 1 1 1
            1
            Properties=species:S:1:pos:R:3:forces:R:3 stress="1 2 3 4 5 6" energy=-1.5
            Ni 0 0 0 0.1 0.2 0.3

            """;
        var types = new List<string>();
        var frames = ExtendedXyz.Read(new StringReader(text), types);
        Assert.Equal(new[] { "Cu", "Au", "Ni" }, types);
        Assert.Equal(new[] { 0, 1 }, frames[0].Species);
        // stress = −virial / V, V = 40 Å³.
        Assert.Equal(0.5, frames[0].Stress![0, 0], 12);
        Assert.Equal(0.075, frames[0].Stress![1, 2], 12);
        Assert.Null(frames[0].Energy);
        // Voigt order xx yy zz yz xz xy; no lattice: a cluster.
        var s = frames[1].Stress!;
        Assert.Equal(new double[,] { { 1, 6, 5 }, { 6, 2, 4 }, { 5, 4, 3 } }, s);
        Assert.False(frames[1].IsPeriodic);
        Assert.Equal(-1.5, frames[1].Energy);
        Assert.Equal(0.3, frames[1].Forces![0, 2]);
    }

    [Fact]
    public void MalformedFilesAreReportedWithTheirLine()
    {
        var e1 = Assert.Throws<FormatException>(() => ExtendedXyz.Read(new StringReader("two\n"), new List<string>()));
        Assert.Contains("line 1: expected an atom count, got 'two'", e1.Message);
        var e2 = Assert.Throws<FormatException>(() => ExtendedXyz.Read(
            new StringReader("2\nProperties=species:S:1:pos:R:3\nCu 0 0 0\n"), new List<string>()));
        Assert.Contains("frame ends after 1 of 2 atoms", e2.Message);
        var e3 = Assert.Throws<FormatException>(() => ExtendedXyz.Read(
            new StringReader("1\nLattice=\"1 0 0 0 1 0\" Properties=species:S:1:pos:R:3\nCu 0 0 0\n"), new List<string>()));
        Assert.Contains("Lattice needs 9 numbers, got 6", e3.Message);
        var e4 = Assert.Throws<FormatException>(() => ExtendedXyz.Read(
            new StringReader("1\nProperties=species:S:1:pos:R:3\nCu 0 zero 0\n"), new List<string>()));
        Assert.Contains("line 3: 'zero' is not a number", e4.Message);
    }
}
