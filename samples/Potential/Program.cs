using System.Globalization;
using E3Sharp;
using E3Sharp.Samples.Potential;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
// Training and MD repeat the same large allocations every step: keep glibc from unmapping and re-faulting them.
TorchAllocator.KeepFreedMemory();
return Cli.Run(args);
