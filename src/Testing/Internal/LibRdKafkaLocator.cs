using System.Runtime.InteropServices;

namespace Kafka.Typed.Testing.Internal;

/// <summary>
/// Finds the librdkafka file that Confluent.Kafka has loaded and binds <see cref="LibRdKafka"/>
/// to that exact file, so the mock cluster and the clients share one library instance.
/// </summary>
/// <remarks>
/// Confluent.Kafka chooses among several builds at run time (on Debian the default
/// <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, so it silently falls back to
/// <c>centos8-librdkafka.so</c>), so the path cannot be hard-coded: the mapped file is read
/// back from <c>/proc/self/maps</c> after forcing Confluent.Kafka to load it.
/// </remarks>
internal static class LibRdKafkaLocator
{
    private static readonly Lazy<(string Path, nint Handle)> Loaded = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Ensures librdkafka is loaded and bound; returns its path. Throws a descriptive exception
    /// when it cannot be (not Linux, Confluent.Kafka cannot load it, exports missing).
    /// </summary>
    internal static string EnsureLoaded() => Loaded.Value.Path;

    /// <summary>Returns true when <paramref name="name"/> is exported by the bound librdkafka.</summary>
    internal static bool HasExport(string name) => NativeLibrary.TryGetExport(Loaded.Value.Handle, name, out _);

    private static (string Path, nint Handle) Locate()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "EmbeddedKafkaCluster currently supports Linux only: it binds to the librdkafka that Confluent.Kafka loaded by reading /proc/self/maps. " +
                $"This process runs on {RuntimeInformation.OSDescription}.");
        }

        try
        {
            // Forces Confluent.Kafka to load its native librdkafka (picking the build that works here).
            _ = Confluent.Kafka.Library.Version;
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                "Confluent.Kafka could not load its native librdkafka, so the embedded Kafka cluster cannot start. " +
                "Check that the librdkafka.redist package's runtimes/<rid>/native files are next to the application.", ex);
        }

        var path = FindMappedLibrdkafka() ?? throw new InvalidOperationException(
            "Confluent.Kafka reports librdkafka as loaded, but no file whose name contains 'librdkafka' is mapped in /proc/self/maps; " +
            "the embedded Kafka cluster cannot bind to the same library instance.");

        var handle = NativeLibrary.Load(path);
        var missing = LibRdKafka.RequiredExports.Where(name => !NativeLibrary.TryGetExport(handle, name, out _)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"The librdkafka loaded by Confluent.Kafka ({path}, version {Confluent.Kafka.Library.VersionString}) does not export " +
                $"the mock cluster functions {string.Join(", ", missing)}. Use Confluent.Kafka / librdkafka.redist 2.16.0 or later.");
        }

        // Same file => the dynamic loader hands back the instance Confluent.Kafka already uses.
        NativeLibrary.SetDllImportResolver(
            typeof(LibRdKafkaLocator).Assembly,
            (libraryName, _, _) => libraryName == LibRdKafka.LibraryName ? handle : 0);
        return (path, handle);
    }

    private static string? FindMappedLibrdkafka()
    {
        // Line format: address perms offset dev inode [pathname]; the path is the 6th field and may contain spaces.
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].TrimEnd();
            var fileName = Path.GetFileName(path);
            if (fileName.Contains("librdkafka", StringComparison.Ordinal) &&
                fileName.Contains(".so", StringComparison.Ordinal) &&
                File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
