namespace Kafka.Typed;

/// <summary>Retry backoff settings in configuration; <see langword="null"/> keeps the <see cref="RetryBackoff"/> default.</summary>
public sealed class KafkaTypedBackoffSettings
{
    /// <summary>See <see cref="RetryBackoff.InitialDelay"/>.</summary>
    public TimeSpan? InitialDelay { get; set; }

    /// <summary>See <see cref="RetryBackoff.Multiplier"/>.</summary>
    public double? Multiplier { get; set; }

    /// <summary>See <see cref="RetryBackoff.MaxDelay"/>.</summary>
    public TimeSpan? MaxDelay { get; set; }

    /// <summary>See <see cref="RetryBackoff.Jitter"/>.</summary>
    public double? Jitter { get; set; }
}
