using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("E3Sharp.Generators.Tests")]
