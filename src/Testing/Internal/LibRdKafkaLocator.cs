using System.Runtime.InteropServices;

namespace Kafka.Typed.Testing.Internal;

/// <summary>
/// Finds the librdkafka file that Confluent.Kafka has loaded and binds <see cref="LibRdKafka"/>
/// to that exact file, so the mock cluster and the clients share one library instance.
/// </summary>
/// <remarks>
/// <para>Confluent.Kafka chooses among several builds at run time (on Debian the default <c>librdkafka.so</c> needs
/// <c>libsasl2.so.3</c>, so it silently falls back to <c>centos8-librdkafka.so</c>), so the path cannot be hard-coded.
/// In order: the module the process already has loaded (Linux: read back from <c>/proc/self/maps</c>; Windows: the
/// loaded <c>librdkafka.dll</c> module), then librdkafka.redist's package layout, <c>runtimes/{rid}/native/{file}</c>
/// and the flat layout of a published app, under the application's directory and Confluent.Kafka's, taking the first
/// file that loads, in Confluent.Kafka's own order (so the first that loads is the one it loaded).</para>
/// </remarks>
internal static partial class LibRdKafkaLocator
{
    private static readonly Lazy<(string Path, nint Handle)> Loaded = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Ensures librdkafka is loaded and bound; returns its path. Throws a descriptive exception
    /// when it cannot be (Confluent.Kafka cannot load it, no file found, exports missing).
    /// </summary>
    internal static string EnsureLoaded() => Loaded.Value.Path;

    /// <summary>Returns true when <paramref name="name"/> is exported by the bound librdkafka.</summary>
    internal static bool HasExport(string name) => NativeLibrary.TryGetExport(Loaded.Value.Handle, name, out _);

    /// <summary>
    /// The files of librdkafka.redist's layout to try, in order, for an operating system (<c>linux</c>, <c>osx</c> or
    /// <c>win</c>), a runtime identifier and an architecture, under each of <paramref name="baseDirectories"/>.
    /// </summary>
    internal static IReadOnlyList<string> PackageCandidates(string os, string runtimeIdentifier, Architecture architecture, IEnumerable<string> baseDirectories)
    {
        var arch = architecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.S390x => "s390x",
            _ => architecture.ToString().ToLowerInvariant(),
        };
        var musl = runtimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase);
        string[] files = os switch
        {
            "win" => ["librdkafka.dll"],
            "osx" => ["librdkafka.dylib"],
            // Confluent.Kafka's order: the default build, then the one linked against fewer system libraries.
            _ => musl ? ["alpine-librdkafka.so", "librdkafka.so"] : ["librdkafka.so", "centos8-librdkafka.so"],
        };

        // The redist ships portable RIDs only (linux-x64, osx-arm64, win-x64, ...): the process's own RID comes first in
        // case an application ships a more specific folder; alpine's build lives under linux-{arch}.
        var rids = new List<string> { runtimeIdentifier, $"{os}-{arch}" }.Distinct(StringComparer.Ordinal).ToArray();
        var candidates = new List<string>();
        foreach (var baseDirectory in baseDirectories.Where(d => !string.IsNullOrEmpty(d)).Distinct(StringComparer.Ordinal))
        {
            foreach (var rid in rids)
            {
                foreach (var file in files)
                {
                    candidates.Add(Path.Combine(baseDirectory, "runtimes", rid, "native", file));
                }
            }

            foreach (var file in files)
            {
                candidates.Add(Path.Combine(baseDirectory, file)); // a published app copies the RID's native files next to it
            }
        }

        return candidates;
    }

    /// <summary>
    /// Tries <paramref name="candidates"/> in order and returns the first that exists and loads; otherwise throws an
    /// exception naming every place searched (<paramref name="searchedBefore"/> first) and why each candidate failed.
    /// </summary>
    internal static (string Path, nint Handle) LoadFirst(IReadOnlyList<string> candidates, IReadOnlyList<string> searchedBefore, Func<string, bool> exists, Func<string, (nint Handle, string? Error)> load)
    {
        var failures = new List<string>(searchedBefore);
        foreach (var candidate in candidates)
        {
            if (!exists(candidate))
            {
                failures.Add(candidate + " (not found)");
                continue;
            }

            var (handle, error) = load(candidate);
            if (handle != 0)
            {
                return (candidate, handle);
            }

            failures.Add($"{candidate} (does not load here: {error})");
        }

        throw new InvalidOperationException(
            "Confluent.Kafka loaded librdkafka, but the embedded Kafka cluster could not find that file to bind to. Searched, in order: " +
            string.Join("; ", failures) +
            $". The process runs on {RuntimeInformation.OSDescription} ({RuntimeInformation.RuntimeIdentifier}). Reference the librdkafka.redist package " +
            "(it comes with Confluent.Kafka) and keep its runtimes/<rid>/native files next to the application.");
    }

    private static (string Path, nint Handle) Locate()
    {
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

        var (path, handle) = FindLoaded();
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

    private static (string Path, nint Handle) FindLoaded()
    {
        var searched = new List<string>();
        string os;
        if (OperatingSystem.IsLinux())
        {
            os = "linux";
            searched.Add("/proc/self/maps (a mapped file named *librdkafka*.so*: not found)");
            if (FindMappedLibrdkafka() is { } mapped)
            {
                return (mapped, NativeLibrary.Load(mapped));
            }
        }
        else if (OperatingSystem.IsWindows())
        {
            os = "win";
            searched.Add("the process's loaded modules (librdkafka.dll: not loaded)");
            if (FindLoadedWindowsModule("librdkafka.dll") is { } module)
            {
                return (module, NativeLibrary.Load(module));
            }
        }
        else if (OperatingSystem.IsMacOS())
        {
            os = "osx";
        }
        else
        {
            throw new PlatformNotSupportedException(
                $"EmbeddedKafkaCluster runs on Linux, macOS and Windows; this process runs on {RuntimeInformation.OSDescription}.");
        }

        var candidates = PackageCandidates(os, RuntimeInformation.RuntimeIdentifier, RuntimeInformation.ProcessArchitecture, BaseDirectories());
        return LoadFirst(candidates, searched, File.Exists, static path =>
        {
            try
            {
                return (NativeLibrary.Load(path), null);
            }
            catch (DllNotFoundException e)
            {
                return (0, e.Message);
            }
            catch (BadImageFormatException e)
            {
                return (0, e.Message);
            }
        });
    }

    /// <summary>Where librdkafka.redist's files are: the application's directory, then Confluent.Kafka's (as Confluent.Kafka looks).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location (single-file or Native AOT app) is skipped; AppContext.BaseDirectory is searched first.")]
    internal static IEnumerable<string> BaseDirectories()
    {
        yield return AppContext.BaseDirectory;

        // Empty in a single-file or Native AOT app, where the native files sit next to the executable anyway.
        var confluent = typeof(Confluent.Kafka.Library).Assembly.Location;
        if (!string.IsNullOrEmpty(confluent) && Path.GetDirectoryName(confluent) is { Length: > 0 } directory)
        {
            yield return directory;
        }
    }

    internal static string? FindMappedLibrdkafka()
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

    private static unsafe string? FindLoadedWindowsModule(string name)
    {
        var module = GetModuleHandleW(name);
        if (module == 0)
        {
            return null;
        }

        var buffer = new char[32_768];
        fixed (char* p = buffer)
        {
            var length = GetModuleFileNameW(module, p, buffer.Length);
            return length == 0 ? null : new string(buffer, 0, length);
        }
    }

    [LibraryImport("kernel32.dll", StringMarshalling = StringMarshalling.Utf16)]
    private static partial nint GetModuleHandleW(string moduleName);

    [LibraryImport("kernel32.dll")]
    private static unsafe partial int GetModuleFileNameW(nint module, char* fileName, int size);
}
