using Matrix.Homeserver.Hosting;

return await HomeserverHost.RunAsync(args);

/// <summary>The entry point, visible to tests.</summary>
public partial class Program;
