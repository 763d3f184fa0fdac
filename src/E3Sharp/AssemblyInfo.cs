using System.Runtime.CompilerServices;

// The test projects and the fuzz host exercise the plumbing (IR, pickles, archive reader) that is internal to users.
[assembly: InternalsVisibleTo("E3Sharp.Tests")]
[assembly: InternalsVisibleTo("E3Sharp.Generators.Tests")]
[assembly: InternalsVisibleTo("E3Sharp.FuzzHost")]
