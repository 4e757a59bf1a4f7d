namespace Kafka.Typed;

/// <summary>
/// Handles a batch of consumed records: up to <see cref="ConsumerOptions.MaxBatchSize"/> records of one partition, in
/// offset order. Return <see cref="BatchResult.Success"/> when every record is done, or name the records that failed
/// (<see cref="BatchResult.Failed(long, Exception)"/>, <see cref="BatchResult.WithFailures"/>): those alone are retried one
/// at a time (each as a batch of one) and then go through the <see cref="FailurePolicy"/>; the others are done. Throwing
/// fails the whole batch: it is retried as a unit with backoff, and after the last attempt every record goes through the
/// failure policy. An <see cref="OperationCanceledException"/> thrown once consumption is stopping is not a failure: the
/// batch is not committed and is delivered again.
/// </summary>
/// <param name="batch">The records, of one partition, in offset order (never empty).</param>
/// <param name="cancellationToken">Cancelled only when the handler must stop at once: shutdown or revocation took longer than <see cref="ConsumerOptions.ShutdownTimeout"/>, or the partition was lost.</param>
/// <returns>Which records failed, if any.</returns>
public delegate Task<BatchResult> BatchMessageHandler(IReadOnlyList<ConsumerMessage> batch, CancellationToken cancellationToken);

/// <summary>One record of a batch that its handler could not handle: its offset and why.</summary>
/// <param name="Offset">The record's offset (it must be in the batch).</param>
/// <param name="Error">Why it failed. A <see cref="NonRetriableMessageException"/> skips its retries.</param>
public readonly record struct BatchRecordFailure(long Offset, Exception Error);

/// <summary>
/// What a batch handler reports: <see cref="Success"/>, or the records that failed, named by offset. The records not
/// named are done (their offsets may be committed once the named ones are settled too).
/// </summary>
/// <example>
/// <code>
/// var failures = new List&lt;BatchRecordFailure&gt;();
/// foreach (var message in batch)
/// {
///     try { await sink.WriteAsync(message.Value, cancellationToken); }
///     catch (SinkRejectedException e) { failures.Add(new(message.Offset, e)); }
/// }
/// return BatchResult.WithFailures(failures); // Success when the list is empty
/// </code>
/// </example>
public sealed class BatchResult
{
    private static readonly BatchRecordFailure[] None = [];

    private BatchResult(BatchRecordFailure[] failures)
    {
        Failures = failures;
    }

    /// <summary>Every record of the batch is done.</summary>
    public static BatchResult Success { get; } = new(None);

    /// <summary>The records that failed, in the order named; empty for <see cref="Success"/>.</summary>
    public IReadOnlyList<BatchRecordFailure> Failures { get; }

    /// <summary>Whether every record is done (<see cref="Failures"/> is empty).</summary>
    public bool IsSuccess => Failures.Count == 0;

    /// <summary>One record failed; the rest of the batch is done.</summary>
    /// <param name="offset">The failed record's offset.</param>
    /// <param name="error">Why it failed.</param>
    public static BatchResult Failed(long offset, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new([new BatchRecordFailure(offset, error)]);
    }

    /// <summary>The named records failed; the rest of the batch is done. No failures is <see cref="Success"/>.</summary>
    /// <param name="failures">The failed records; each offset at most once.</param>
    /// <exception cref="ArgumentException">A failure has no exception, or an offset is named twice.</exception>
    public static BatchResult WithFailures(IEnumerable<BatchRecordFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var array = failures.ToArray();
        if (array.Length == 0)
        {
            return Success;
        }

        var seen = new HashSet<long>();
        foreach (var failure in array)
        {
            if (failure.Error is null)
            {
                throw new ArgumentException($"The failure of offset {failure.Offset} has no exception: name why it failed.", nameof(failures));
            }

            if (!seen.Add(failure.Offset))
            {
                throw new ArgumentException($"Offset {failure.Offset} is named twice: name each failed record once.", nameof(failures));
            }
        }

        return new(array);
    }

    /// <summary>This result with <paramref name="more"/> failures added (those of records the handler never saw, such as undecodable ones).</summary>
    internal BatchResult With(List<BatchRecordFailure> more)
    {
        if (more.Count == 0)
        {
            return this;
        }

        return IsSuccess ? WithFailures(more) : WithFailures([.. Failures, .. more]);
    }

    /// <inheritdoc />
    public override string ToString()
        => IsSuccess ? "BatchResult { Success }" : $"BatchResult {{ Failed = [{string.Join(", ", Failures.Select(static f => f.Offset))}] }}";
}
