using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("E3Sharp.Tests")]
