using Kafka.Typed.Generator.Tests.Harness;
using Xunit;
using Xunit.Sdk;

namespace Kafka.Typed.Generator.Tests;

/// <summary>The golden-file harness itself: a missing file fails, .received files with a line diff, and the update switch.</summary>
public sealed class HarnessTests
{
    [Fact]
    public void SnapshotHarnessCreatesComparesAndUpdates()
    {
        var test = "_HarnessSelfTest_" + Guid.NewGuid().ToString("N");
        var root = Snapshot.Directory(test);
        try
        {
            var v1 = new Dictionary<string, string> { ["A.g.cs"] = "line 1\nline 2\n" };
            var v2 = new Dictionary<string, string> { ["A.g.cs"] = "line 1\nline two\n" };

            // A missing snapshot fails and is not created, whether or not CI is set; the output goes to .received.
            var missing = Assert.ThrowsAny<XunitException>(() => Snapshot.Match(test, v1, update: false));
            Assert.Contains("Missing snapshot", missing.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(root, "A.g.cs")));
            Assert.Equal("line 1\nline 2\n", File.ReadAllText(Path.Combine(root, "A.g.cs.received")));

            // Only the update switch creates it.
            Snapshot.Match(test, v1, update: true);
            Assert.Equal("line 1\nline 2\n", File.ReadAllText(Path.Combine(root, "A.g.cs")));
            Assert.False(File.Exists(Path.Combine(root, "A.g.cs.received")));

            // A mismatch writes .received and fails with a line diff.
            var mismatch = Assert.ThrowsAny<XunitException>(() => Snapshot.Match(test, v2, update: false));
            Assert.Contains("  - line 2", mismatch.Message, StringComparison.Ordinal);
            Assert.Contains("  + line two", mismatch.Message, StringComparison.Ordinal);
            Assert.Equal("line 1\nline two\n", File.ReadAllText(Path.Combine(root, "A.g.cs.received")));

            // The update switch rewrites the golden file and removes .received.
            Snapshot.Match(test, v2, update: true);
            Assert.Equal("line 1\nline two\n", File.ReadAllText(Path.Combine(root, "A.g.cs")));
            Assert.False(File.Exists(Path.Combine(root, "A.g.cs.received")));
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
