using Matrix.Homeserver.Cli;

return await HomeserverCli.RunAsync(args);

/// <summary>The entry point, visible to tests.</summary>
public partial class Program;
