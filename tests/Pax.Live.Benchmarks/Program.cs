using BenchmarkDotNet.Running;
using Pax.Live.Benchmarks;

// `dotnet run -c Release --project tests/Pax.Live.Benchmarks -- --filter '*'` runs everything; see docs/performance.md.
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, BenchConfig.Create(args));
