namespace E3Sharp.Bench;

/// <summary>Finds the e3nn anchor file (never part of the repository).</summary>
public static class AnchorLocator
{
    /// <summary>The default location, relative to the repository root.</summary>
    public const string DefaultRelativePath = "../shared/anchors/e3nn_fctp_32x0e+32x1o+32x2e.pt";

    /// <summary>
    /// <paramref name="path"/> when given (null if that file does not exist); otherwise the environment variable
    /// <c>E3SHARP_ANCHOR</c>, else <see cref="DefaultRelativePath"/> from the repository root (the first folder above
    /// the working directory or the program holding <c>E3Sharp.slnx</c>) or from one of the two folders above it (a
    /// worktree checked out below the main repository); null when there is no such file.
    /// </summary>
    public static string? Find(string? path)
    {
        if (path is not null) return File.Exists(path) ? Path.GetFullPath(path) : null;
        var env = Environment.GetEnvironmentVariable("E3SHARP_ANCHOR");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return Path.GetFullPath(env);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "E3Sharp.slnx"))) continue;
                // The repository root, then (for a git worktree checked out below the main one) up to two folders above.
                var root = dir;
                for (var up = 0; up < 3 && root is not null; up++, root = root.Parent)
                {
                    var candidate = Path.GetFullPath(Path.Combine(root.FullName, DefaultRelativePath));
                    if (File.Exists(candidate)) return candidate;
                }
                return null;
            }
        }
        return null;
    }
}
