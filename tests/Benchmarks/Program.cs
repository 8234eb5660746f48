using BenchmarkDotNet.Running;

// Not typeof(Program): the referenced host assembly has a Program class of its own.
BenchmarkSwitcher.FromAssembly(typeof(Matrix.Benchmarks.SigningBenchmarks).Assembly).Run(args);
