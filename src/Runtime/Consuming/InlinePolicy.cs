using System.Diagnostics;

namespace Kafka.Typed;

/// <summary>
/// Poll thread only: whether a record may be handled right on the poll thread now. Handlers run there only while they
/// are quick.
/// </summary>
/// <remarks>
/// The clock is read once per <see cref="InlineWindow"/> inline calls (a read costs about as much as a no-op handler
/// call): two windows in a row averaging over 1 ms a call send every message to the dispatchers for a pause that doubles
/// each time (1 s up to 5 min); and a burst with inline handling ends (the poll loop gets its turn) once it took
/// <see cref="InlineBudget"/>. It knows nothing about partitions or offsets: the dispatcher decides whether a record of
/// its partition can run inline (<see cref="PartitionDispatcher.TryHandleInline"/>).
/// </remarks>
internal sealed class InlinePolicy
{
    private const int InlineWindow = 8;
    private static readonly long SlowInlineWindow = Stopwatch.Frequency / 1000 * InlineWindow; // 1 ms a call
    private static readonly long InlineBudget = Stopwatch.Frequency / 200; // 5 ms
    private static readonly long InlinePauseFirst = Stopwatch.Frequency; // 1 s
    private static readonly long InlinePauseMax = Stopwatch.Frequency * 300; // 5 min

    private long _resumeAt;
    private long _pause;
    private bool _slowWindow;
    private long _budgetEnd;
    private long _windowStart;
    private int _windowCalls;

    /// <summary>Whether records of the current burst may be handled inline.</summary>
    public bool Enabled { get; private set; }

    /// <summary>Whether the current burst used its inline budget (the poll loop should take its turn).</summary>
    public bool BurstOver { get; private set; }

    /// <summary>Starts a burst of records: inline handling is allowed unless <paramref name="stopping"/> or a slow-handler pause runs.</summary>
    public void BeginBurst(bool stopping)
    {
        Enabled = !stopping && (_resumeAt == 0 || Stopwatch.GetTimestamp() >= _resumeAt);
        if (Enabled)
        {
            _windowStart = Stopwatch.GetTimestamp();
            _windowCalls = 0;
            _budgetEnd = _windowStart + InlineBudget;
        }

        BurstOver = false;
    }

    /// <summary>No more inline handling until the next burst (a rebalance callback or the burst's dispatch ran).</summary>
    public void EndBurst() => Enabled = false;

    /// <summary>Counts an inline call (handled or handed over); after each window, checks that handlers are still fast.</summary>
    public void CountCall()
    {
        if (++_windowCalls == InlineWindow)
        {
            Enabled = StillFast();
        }
    }

    /// <summary>After a window of inline calls: whether to keep handling on the poll thread (and ends the burst once it used its budget).</summary>
    private bool StillFast()
    {
        var now = Stopwatch.GetTimestamp();
        var slow = now - _windowStart > SlowInlineWindow;
        _windowStart = now;
        _windowCalls = 0;
        if (slow && _slowWindow)
        {
            // A handler that blocks: keep the poll thread free and partitions parallel for a while, longer each time.
            _slowWindow = false;
            _pause = _pause == 0 ? InlinePauseFirst : Math.Min(_pause * 2, InlinePauseMax);
            _resumeAt = now + _pause;
            return false;
        }

        _slowWindow = slow;
        BurstOver = now >= _budgetEnd;
        return true;
    }
}
