using System.Globalization;

namespace Kafka.Typed;

/// <summary>
/// Identifies the application to Kafka and says where the cluster is. The Go package's <c>Config{AppName, Server}</c>
/// plus its broker list.
/// </summary>
/// <remarks>
/// <para>The client id is <c>{AppName}-{Server}</c>; the default consumer group id is <c>{AppName}.{Server}</c>
/// (see <see cref="DefaultGroupId"/>). A consumer's <see cref="ConsumerOptions.GroupId"/> overrides it.</para>
/// </remarks>
public sealed class KafkaAppConfig
{
    /// <summary>Creates a config; call <see cref="Validate"/> (every client does) to check it.</summary>
    /// <param name="appName">The application's name, for example <c>billing</c>.</param>
    /// <param name="server">The environment or server the application runs as, for example <c>prod-eu1</c>.</param>
    /// <param name="bootstrapServers">Broker addresses, each <c>host:port</c>.</param>
    public KafkaAppConfig(string appName, string server, IReadOnlyList<string> bootstrapServers)
    {
        AppName = appName;
        Server = server;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Creates a config from a comma-separated bootstrap list such as <c>"b1:9092,b2:9092"</c>.</summary>
    /// <param name="appName">The application's name.</param>
    /// <param name="server">The environment or server name.</param>
    /// <param name="bootstrapServers">Comma-separated <c>host:port</c> list.</param>
    public KafkaAppConfig(string appName, string server, string bootstrapServers)
        : this(appName, server, SplitServers(bootstrapServers))
    {
    }

    /// <summary>The application's name.</summary>
    public string AppName { get; }

    /// <summary>The environment or server name the application runs as.</summary>
    public string Server { get; }

    /// <summary>Broker addresses, each <c>host:port</c>.</summary>
    public IReadOnlyList<string> BootstrapServers { get; }

    /// <summary>
    /// How long a client's constructor waits for the cluster to answer before it fails with
    /// <see cref="KafkaUnreachableException"/>. Default 10 s; <see cref="TimeSpan.Zero"/> skips the check.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The client id every producer and consumer of this application sends: <c>{AppName}-{Server}</c>.</summary>
    public string ClientId => $"{AppName}-{Server}";

    /// <summary>The consumer group id used when none is configured: <c>{AppName}.{Server}</c>.</summary>
    public string DefaultGroupId => $"{AppName}.{Server}";

    /// <summary>The bootstrap list as librdkafka takes it.</summary>
    internal string BootstrapString => string.Join(',', BootstrapServers);

    /// <summary>Checks every field and throws a <see cref="KafkaConfigurationException"/> naming the first bad one.</summary>
    public void Validate()
    {
        CheckName(AppName, nameof(AppName));
        CheckName(Server, nameof(Server));
        if (BootstrapServers is null || BootstrapServers.Count == 0)
        {
            throw new KafkaConfigurationException("KafkaAppConfig.BootstrapServers", "", "at least one broker address 'host:port' is required");
        }

        for (var i = 0; i < BootstrapServers.Count; i++)
        {
            CheckBroker(BootstrapServers[i], $"KafkaAppConfig.BootstrapServers[{i}]");
        }

        if (ConnectTimeout < TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(10))
        {
            throw new KafkaConfigurationException("KafkaAppConfig.ConnectTimeout", ConnectTimeout.ToString(), "must be between 0 (no check) and 10 minutes");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"KafkaAppConfig {{ AppName = {AppName}, Server = {Server}, BootstrapServers = {BootstrapString} }}";

    private static void CheckName(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new KafkaConfigurationException("KafkaAppConfig." + field, value, "must be a non-empty name");
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) || c is ',' or ' ')
            {
                throw new KafkaConfigurationException("KafkaAppConfig." + field, value, "must not contain spaces, commas or control characters");
            }
        }
    }

    /// <summary>Checks one <c>host:port</c> address ("invalid url" in the Go package).</summary>
    internal static void CheckBroker(string? address, string field)
    {
        const string allowed = "invalid url: a broker address is 'host:port' with a port from 1 to 65535, e.g. 'localhost:9092'";
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new KafkaConfigurationException(field, address, allowed);
        }

        var text = address.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            text = text[(schemeEnd + 3)..];
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new KafkaConfigurationException(field, address, allowed);
        }

        var host = text[..colon];
        if (host.StartsWith('[') != host.EndsWith(']') || host.Contains(' ', StringComparison.Ordinal) || host.Contains('/', StringComparison.Ordinal))
        {
            throw new KafkaConfigurationException(field, address, allowed);
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new KafkaConfigurationException(field, address, allowed);
        }
    }

    private static string[] SplitServers(string? servers)
        => (servers ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
