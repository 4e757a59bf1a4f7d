using System.Runtime.ExceptionServices;

namespace Kafka.Typed;

/// <summary>How a <see cref="BatchMessageHandler"/>'s answer is read: checked against the batch it was given, and turned into one record's outcome for a batch of one.</summary>
internal static class BatchHandling
{
    /// <summary>
    /// A <see cref="MessageHandler"/> that hands <paramref name="handler"/> a batch of the one record and throws the
    /// failure it names for it: how a record the handler named as failed is retried on its own.
    /// </summary>
    public static MessageHandler OneRecordAtATime(BatchMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return async (message, cancellationToken) =>
        {
            ConsumerMessage[] batch = [message];
            var result = await handler(batch, cancellationToken).ConfigureAwait(false);
            if (Check(result, batch) is { } invalid)
            {
                throw invalid;
            }

            if (!result.IsSuccess)
            {
                ExceptionDispatchInfo.Throw(result.Failures[0].Error);
            }
        };
    }

    /// <summary>
    /// <see langword="null"/> when <paramref name="result"/> is a valid answer for <paramref name="batch"/>; otherwise the
    /// error that fails the whole batch (a null result, or an offset that is not in the batch: a bug in the handler).
    /// </summary>
    public static InvalidOperationException? Check(BatchResult? result, IReadOnlyList<ConsumerMessage> batch)
    {
        if (result is null)
        {
            return new InvalidOperationException($"The batch handler returned null for the batch {Describe(batch)}: return BatchResult.Success, or the failed records.");
        }

        foreach (var failure in result.Failures)
        {
            if (!Contains(batch, failure.Offset))
            {
                return new InvalidOperationException($"The batch handler named offset {failure.Offset} as failed, which is not in the batch {Describe(batch)}.", failure.Error);
            }
        }

        return null;
    }

    /// <summary>Whether the batch, in offset order, holds <paramref name="offset"/> (a binary search).</summary>
    public static bool Contains(IReadOnlyList<ConsumerMessage> batch, long offset)
    {
        int low = 0, high = batch.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var found = batch[middle].Offset;
            if (found == offset)
            {
                return true;
            }

            if (found < offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return false;
    }

    private static string Describe(IReadOnlyList<ConsumerMessage> batch)
        => batch.Count == 0 ? "(empty)" : $"{batch[0].Topic} [{batch[0].Partition}] @{batch[0].Offset}..{batch[^1].Offset} ({batch.Count} records)";
}
