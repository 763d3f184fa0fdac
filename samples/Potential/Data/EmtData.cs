using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;

namespace E3Sharp.Samples.Potential.Data;

/// <summary>
/// The EMT copper data (<c>cu_emt_train.xyz</c>, <c>cu_emt_validation.xyz</c>, <c>cu_emt_test.xyz</c>, made by
/// <c>make_emt_data.py</c> with ASE's EMT calculator): periodic fcc Cu MD snapshots at 300–1200 K in randomly
/// strained (triclinic) cells, with energies, forces and stresses. The three sets come from different trajectories.
/// </summary>
public static class EmtData
{
    /// <summary>The data folder of the repository (<c>samples/Potential/Data</c>), found above the program or the
    /// working directory.</summary>
    public static string DefaultDirectory()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples", "Potential", "Data");
                if (File.Exists(Path.Combine(candidate, "cu_emt_train.xyz")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException(
            "EmtData: samples/Potential/Data/cu_emt_train.xyz not found above the program or the working directory; " +
            "pass --data DIR.");
    }

    /// <summary>Reads the three sets.</summary>
    /// <param name="dir">Folder with the three files.</param>
    /// <param name="typeNames">Species names (filled in order of appearance unless given).</param>
    /// <param name="trainFrames">At most this many training frames (evenly spread over the file).</param>
    /// <param name="heldOutFrames">At most this many validation and test frames each.</param>
    public static Dataset Load(string dir, List<string> typeNames, int trainFrames = int.MaxValue,
        int heldOutFrames = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(dir);
        List<Configuration> Read(string name) => ExtendedXyz.Read(Path.Combine(dir, $"cu_emt_{name}.xyz"), typeNames);
        return new Dataset(Spread(Read("train"), trainFrames), Spread(Read("validation"), heldOutFrames),
            Spread(Read("test"), heldOutFrames));
    }

    private static List<Configuration> Spread(List<Configuration> frames, int count)
    {
        if (count >= frames.Count)
        {
            return frames;
        }

        return Enumerable.Range(0, count).Select(k => frames[(int)((long)k * frames.Count / count)]).ToList();
    }
}
