namespace Kafka.Typed;

/// <summary>
/// The callers of a <c>FlushAsync</c> waiting for a position in a monotonic sequence (the messages sent before their
/// call) to be passed. Not thread-safe: the owner calls it under its own lock. Costs one field read when nobody waits.
/// </summary>
internal sealed class FlushWaiters
{
    private List<(long Target, TaskCompletionSource Done)>? _waiting;

    /// <summary>Whether anyone waits (read without the lock on hot paths, then checked again under it).</summary>
    public bool Any => Volatile.Read(ref _waiting) is { Count: > 0 };

    /// <summary>A task that completes once <see cref="Release"/> reports <paramref name="target"/> reached.</summary>
    public Task Add(long target)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (_waiting ??= []).Add((target, done));
        return done.Task;
    }

    /// <summary>Completes every waiter whose target is at or below <paramref name="reached"/>.</summary>
    public void Release(long reached)
    {
        var waiting = _waiting;
        if (waiting is null)
        {
            return;
        }

        for (var i = waiting.Count - 1; i >= 0; i--)
        {
            if (waiting[i].Target <= reached)
            {
                waiting[i].Done.TrySetResult();
                waiting.RemoveAt(i);
            }
        }
    }

    /// <summary>Completes every waiter (nothing is left to wait for: the producer was closed and reported everything).</summary>
    public void ReleaseAll() => Release(long.MaxValue);
}

/// <summary>The bound and cancellation every <c>FlushAsync</c> applies to its wait.</summary>
internal static class ProducerFlush
{
    public static async Task WaitAsync(Task done, TimeSpan timeout, Func<string> left, CancellationToken cancellationToken)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The flush timeout is zero or more, or Timeout.InfiniteTimeSpan.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (done.IsCompleted)
        {
            return;
        }

        try
        {
            await done.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"FlushAsync: not every message sent before the call had its outcome within {timeout.TotalSeconds:0.###} s; {left()}.");
        }
    }
}
