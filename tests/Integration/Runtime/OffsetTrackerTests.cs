using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>The safe offset of a partition whose records finish out of order never passes an unfinished record.</summary>
public sealed class OffsetTrackerTests
{
    [Fact]
    public void The_safe_offset_is_the_end_of_the_finished_prefix()
    {
        var tracker = new OffsetTracker();
        Assert.Null(tracker.SafeDone);
        foreach (var offset in new long[] { 10, 11, 13, 20 })
        {
            tracker.Begin(offset); // gaps (compaction, transaction markers) are fine
        }

        Assert.False(tracker.Finish(13));
        Assert.False(tracker.Finish(11));
        Assert.Null(tracker.SafeDone);
        Assert.Equal(10, tracker.LowestUnfinished);

        Assert.True(tracker.Finish(10));
        Assert.Equal(13, tracker.SafeDone);
        Assert.Equal(20, tracker.LowestUnfinished);
        Assert.Equal(1, tracker.Pending);

        Assert.True(tracker.Finish(20));
        Assert.Equal(20, tracker.SafeDone);
        Assert.Null(tracker.LowestUnfinished);
    }

    [Fact]
    public void Random_finish_orders_never_put_the_safe_offset_ahead_of_unfinished_work()
    {
        var random = new Random(1234);
        for (var round = 0; round < 50; round++)
        {
            var tracker = new OffsetTracker();
            var begun = new List<long>();
            var unfinished = new SortedSet<long>();
            long next = 0;
            for (var step = 0; step < 2_000; step++)
            {
                if (unfinished.Count < 200 && (unfinished.Count == 0 || random.Next(2) == 0))
                {
                    next += 1 + random.Next(3);
                    tracker.Begin(next);
                    begun.Add(next);
                    unfinished.Add(next);
                }
                else
                {
                    var pick = unfinished.ElementAt(random.Next(unfinished.Count));
                    unfinished.Remove(pick);
                    tracker.Finish(pick);
                }

                var expected = unfinished.Count == 0 ? begun.LastOrDefault(-1) : begun.Where(o => o < unfinished.Min).DefaultIfEmpty(-1).Max();
                Assert.Equal(expected < 0 ? null : expected, tracker.SafeDone);
            }
        }
    }

    [Fact]
    public void Misuse_is_refused_with_the_offset_named()
    {
        var tracker = new OffsetTracker();
        tracker.Begin(5);
        Assert.Contains("4", Assert.Throws<InvalidOperationException>(() => tracker.Begin(4)).Message, StringComparison.Ordinal);
        Assert.Contains("6", Assert.Throws<InvalidOperationException>(() => tracker.Finish(6)).Message, StringComparison.Ordinal);
        tracker.Finish(5);
        Assert.Throws<InvalidOperationException>(() => tracker.Finish(5));
    }
}
