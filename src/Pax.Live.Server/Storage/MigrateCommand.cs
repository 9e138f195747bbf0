namespace Pax.Live.Server.Storage;

/// <summary><c>Pax.Live.Server migrate [--Pax:Storage:…]</c>: applies the schema scripts and exits, for operators.</summary>
public static class MigrateCommand
{
    /// <summary>Runs the command; the exit code is 0 on success.</summary>
    public static async Task<int> Run(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (options.Provider == StorageProvider.Memory)
        {
            await Console.Error.WriteLineAsync($"{StorageOptions.Section}:{nameof(StorageOptions.Provider)} is Memory: there is no database to migrate.");
            return 2;
        }

        var connectionString = options.ResolveConnectionString(DataDirectory.Of(builder.Configuration));
        try
        {
            var applied = await SchemaMigrator.Apply(options, connectionString, CancellationToken.None);
            Console.WriteLine($"{options.Provider}: applied {string.Join(", ", applied)}");
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException or IOException)
        {
            await Console.Error.WriteLineAsync($"Migration failed: {ex.Message}");
            return 1;
        }
    }
}
