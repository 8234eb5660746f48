using BenchmarkDotNet.Running;

// Not typeof(Program): the Homeserver assembly (referenced for its benchmarks) has a public Program too.
BenchmarkSwitcher.FromAssembly(System.Reflection.Assembly.GetExecutingAssembly()).Run(args);
