using Microsoft.Extensions.Logging;

namespace Kafka.Typed.Testing;

/// <summary>Options of <see cref="InProcessSchemaRegistry"/>.</summary>
public sealed class InProcessSchemaRegistryOptions
{
    /// <summary>With <see cref="BasicAuthPassword"/>: every request must carry these basic-auth credentials, else 401.</summary>
    public string? BasicAuthUser { get; set; }

    /// <summary>The password for <see cref="BasicAuthUser"/>.</summary>
    public string? BasicAuthPassword { get; set; }

    /// <summary>The global compatibility level at start: NONE, BACKWARD (default), FORWARD, FULL or their _TRANSITIVE forms.</summary>
    public string Compatibility { get; set; } = "BACKWARD";

    /// <summary>Where request lines go (method, path, status; never bodies or credentials); <see langword="null"/> for none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
