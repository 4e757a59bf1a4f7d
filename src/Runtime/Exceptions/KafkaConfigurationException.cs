namespace Kafka.Typed;

/// <summary>
/// Thrown when a configuration value is missing or invalid. The message names the field, the rejected
/// value (never a secret) and what is allowed.
/// </summary>
public sealed class KafkaConfigurationException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    /// <param name="field">The option that was rejected, for example <c>ProducerOptions.Tls.CaLocation</c>.</param>
    /// <param name="value">The rejected value as shown to the user; pass <c>"***"</c> for secrets.</param>
    /// <param name="allowed">What would have been accepted.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public KafkaConfigurationException(string field, string? value, string allowed, Exception? inner = null)
        : base(Format(field, value, allowed), field, inner)
    {
        Field = field;
        Value = value;
        Allowed = allowed;
    }

    /// <summary>The option that was rejected.</summary>
    public string Field { get; }

    /// <summary>The rejected value (already redacted when it was a secret).</summary>
    public string? Value { get; }

    /// <summary>What the option accepts.</summary>
    public string Allowed { get; }

    /// <inheritdoc />
    public override string Message => Format(Field, Value, Allowed);

    private static string Format(string field, string? value, string allowed)
        => $"Invalid Kafka configuration: {field} = {(value is null ? "(null)" : "'" + value + "'")}; {allowed}.";
}
