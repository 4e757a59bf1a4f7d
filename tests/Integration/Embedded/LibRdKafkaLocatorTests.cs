using System.Runtime.InteropServices;
using Kafka.Typed.Testing;
using Kafka.Typed.Testing.Internal;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Embedded;

/// <summary>How the embedded broker finds the librdkafka that Confluent.Kafka loaded, on every operating system.</summary>
public sealed class LibRdKafkaLocatorTests
{
    private static readonly string[] Bases = [Path.Combine("app"), Path.Combine("pkg")];

    [Fact]
    public void Windows_searches_the_rid_folders_then_the_flat_layout_under_each_base_directory()
    {
        Assert.Equal(
        [
            P("app", "runtimes", "win-x64", "native", "librdkafka.dll"),
            P("app", "librdkafka.dll"),
            P("pkg", "runtimes", "win-x64", "native", "librdkafka.dll"),
            P("pkg", "librdkafka.dll"),
        ], LibRdKafkaLocator.PackageCandidates("win", "win-x64", Architecture.X64, Bases));
    }

    [Fact]
    public void MacOS_tries_a_specific_rid_before_the_portable_one()
    {
        Assert.Equal(
        [
            P("app", "runtimes", "osx.14-arm64", "native", "librdkafka.dylib"),
            P("app", "runtimes", "osx-arm64", "native", "librdkafka.dylib"),
            P("app", "librdkafka.dylib"),
        ], LibRdKafkaLocator.PackageCandidates("osx", "osx.14-arm64", Architecture.Arm64, ["app"]));
    }

    [Fact]
    public void Linux_tries_the_default_build_before_the_centos8_one_and_musl_the_alpine_build_first()
    {
        Assert.Equal(
        [
            P("app", "runtimes", "linux-x64", "native", "librdkafka.so"),
            P("app", "runtimes", "linux-x64", "native", "centos8-librdkafka.so"),
            P("app", "librdkafka.so"),
            P("app", "centos8-librdkafka.so"),
        ], LibRdKafkaLocator.PackageCandidates("linux", "linux-x64", Architecture.X64, ["app"]));
        Assert.Equal(
        [
            P("app", "runtimes", "linux-musl-arm64", "native", "alpine-librdkafka.so"),
            P("app", "runtimes", "linux-musl-arm64", "native", "librdkafka.so"),
            P("app", "runtimes", "linux-arm64", "native", "alpine-librdkafka.so"),
            P("app", "runtimes", "linux-arm64", "native", "librdkafka.so"),
            P("app", "alpine-librdkafka.so"),
            P("app", "librdkafka.so"),
        ], LibRdKafkaLocator.PackageCandidates("linux", "linux-musl-arm64", Architecture.Arm64, ["app"]));
    }

    [Fact]
    public void The_first_candidate_that_exists_and_loads_wins()
    {
        var (path, handle) = LibRdKafkaLocator.LoadFirst(["a", "b", "c", "d"], [], p => p != "a", p => p == "b" ? (0, "needs libsasl2.so.3") : (42, null));
        Assert.Equal(("c", (nint)42), (path, handle));
    }

    [Fact]
    public void Nothing_found_names_every_place_searched_and_why()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LibRdKafkaLocator.LoadFirst(["x/librdkafka.so", "y/librdkafka.so"], ["/proc/self/maps (not found)"], p => p.StartsWith('y'), _ => (0, "wrong ELF class")));
        Assert.Contains("Searched, in order: /proc/self/maps (not found); x/librdkafka.so (not found); y/librdkafka.so (does not load here: wrong ELF class)", e.Message, StringComparison.Ordinal);
        Assert.Contains("librdkafka.redist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void On_this_machine_the_package_layout_search_picks_the_file_confluent_kafka_loaded()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        var bound = LibRdKafkaLocator.EnsureLoaded();
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var candidates = LibRdKafkaLocator.PackageCandidates(os, RuntimeInformation.RuntimeIdentifier, RuntimeInformation.ProcessArchitecture, LibRdKafkaLocator.BaseDirectories());
        var (fromLayout, _) = LibRdKafkaLocator.LoadFirst(candidates, [], File.Exists, p => NativeLibrary.TryLoad(p, out var h) ? (h, null) : (0, "does not load"));
        Assert.Equal(Path.GetFullPath(bound), Path.GetFullPath(fromLayout));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(bound, LibRdKafkaLocator.FindMappedLibrdkafka());
        }
    }

    private static string P(params string[] parts) => Path.Combine(parts);
}
