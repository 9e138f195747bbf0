using System.Reflection;

namespace Pax.Live.Testing;

/// <summary>This checkout, and the programs in it as the solution build left them, of the tests' own configuration.</summary>
public static class Repository
{
    /// <summary>The folder that holds <c>Pax.Live.sln</c>.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pax.Live.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new DirectoryNotFoundException("Pax.Live.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Debug or Release: what the tests were built as, and so what the programs they start were built as.</summary>
    public static string Configuration { get; } =
        typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The built server.</summary>
    public static string ServerDll => Program("src/Pax.Live.Server");

    /// <summary>The built assembly of the project in <paramref name="projectDirectory"/> (relative to the root, e.g. <c>src/Pax.Live.Watch</c>).</summary>
    public static string Program(string projectDirectory)
    {
        var name = Path.GetFileName(projectDirectory);
        return Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", name + ".dll");
    }
}
