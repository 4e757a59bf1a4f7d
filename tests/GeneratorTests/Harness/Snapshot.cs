using System.Runtime.CompilerServices;
using System.Text;
using Kafka.Typed.Generators;
using Xunit;

namespace Kafka.Typed.Generator.Tests.Harness;

/// <summary>
/// Golden files under <c>Snapshots/{Test}/{HintName}</c>. A mismatch writes a git-ignored <c>.received</c> file next to the
/// golden one and fails with a line diff. <c>KAFKA_TYPED_UPDATE_SNAPSHOTS=1</c> creates and rewrites golden files; without
/// it a missing golden file fails like a mismatch (it is never created silently, whoever runs the tests and however
/// <c>CI</c> is set). The generator version reads as <c>%VERSION%</c>.
/// </summary>
internal static class Snapshot
{
    public static void Match(string test, IReadOnlyDictionary<string, string> files)
        => Match(test, files, Environment.GetEnvironmentVariable("KAFKA_TYPED_UPDATE_SNAPSHOTS") == "1");

    public static void Match(string test, IReadOnlyDictionary<string, string> files, bool update)
    {
        var root = Directory(test);
        var failures = new StringBuilder();
        foreach (var (hint, text) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var actual = Normalize(text);
            var path = Path.Combine(root, hint);
            var received = path + ".received";
            if (!File.Exists(path))
            {
                System.IO.Directory.CreateDirectory(root);
                if (update)
                {
                    File.WriteAllText(path, actual);
                    File.Delete(received);
                    continue;
                }

                File.WriteAllText(received, actual);
                failures.AppendLine($"Missing snapshot {test}/{hint}; wrote {Path.GetFileName(received)} (set KAFKA_TYPED_UPDATE_SNAPSHOTS=1 to create it).");
                continue;
            }

            var expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
            if (expected == actual)
            {
                File.Delete(received);
                continue;
            }

            if (update)
            {
                File.WriteAllText(path, actual);
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, actual);
            failures.AppendLine($"Snapshot {test}/{hint} differs (wrote {Path.GetFileName(received)}; set KAFKA_TYPED_UPDATE_SNAPSHOTS=1 to accept):");
            failures.AppendLine(Diff(expected, actual));
        }

        if (System.IO.Directory.Exists(root))
        {
            foreach (var stale in System.IO.Directory.GetFiles(root).Where(f => !f.EndsWith(".received", StringComparison.Ordinal) && !files.ContainsKey(Path.GetFileName(f))))
            {
                failures.AppendLine($"Snapshot {test}/{Path.GetFileName(stale)} was not generated any more.");
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    /// <summary>The test project's source directory (this file lives in its Harness folder).</summary>
    public static string Directory(string test) => Path.Combine(ProjectDirectory(), "Snapshots", test);

    private static string ProjectDirectory([CallerFilePath] string self = "") => Path.GetDirectoryName(Path.GetDirectoryName(self))!;

    public static string Normalize(string text)
        => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace(GeneratorVersion, "%VERSION%", StringComparison.Ordinal);

    private static string GeneratorVersion => typeof(KafkaTypedGenerator).Assembly.GetName().Version!.ToString();

    /// <summary>A minimal line diff: the first differing lines with a little context.</summary>
    public static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var sb = new StringBuilder();
        var shown = 0;
        for (var i = 0; i < Math.Max(e.Length, a.Length) && shown < 20; i++)
        {
            var el = i < e.Length ? e[i] : null;
            var al = i < a.Length ? a[i] : null;
            if (el == al)
            {
                continue;
            }

            sb.Append("  line ").Append(i + 1).Append('\n');
            if (el is not null)
            {
                sb.Append("  - ").Append(el).Append('\n');
            }

            if (al is not null)
            {
                sb.Append("  + ").Append(al).Append('\n');
            }

            shown++;
        }

        return sb.ToString();
    }
}
