using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("E3Sharp.Tests")]
[assembly: InternalsVisibleTo("E3Sharp.FuzzHost")]
