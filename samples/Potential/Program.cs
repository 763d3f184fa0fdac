using System.Globalization;
using E3Sharp.Samples.Potential;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return Cli.Run(args);
