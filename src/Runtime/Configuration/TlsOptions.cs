namespace Kafka.Typed;

/// <summary>TLS settings for broker connections (the Go package's <c>ProducerWithTLS</c> / <c>ConsumerWithTLS</c>).</summary>
/// <remarks><see cref="ToString"/> never shows <see cref="KeyPassword"/>.</remarks>
public sealed class TlsOptions
{
    /// <summary>Path of the PEM file with the CA certificate(s) that sign the brokers' certificates; <see langword="null"/> uses the system store.</summary>
    public string? CaLocation { get; init; }

    /// <summary>Path of the client's PEM certificate, for mutual TLS.</summary>
    public string? CertificateLocation { get; init; }

    /// <summary>Path of the client's PEM private key, for mutual TLS.</summary>
    public string? KeyLocation { get; init; }

    /// <summary>Password of <see cref="KeyLocation"/>, when the key is encrypted. Never logged.</summary>
    public string? KeyPassword { get; init; }

    /// <summary>Whether the broker's host name must match its certificate. Default <see langword="true"/>.</summary>
    public bool EnableHostnameVerification { get; init; } = true;

    /// <inheritdoc />
    public override string ToString()
        => $"TlsOptions {{ CaLocation = {CaLocation}, CertificateLocation = {CertificateLocation}, KeyLocation = {KeyLocation}, KeyPassword = {(KeyPassword is null ? "(none)" : "***")}, EnableHostnameVerification = {EnableHostnameVerification} }}";

    internal void Validate(string prefix)
    {
        CheckFile(CaLocation, prefix + ".CaLocation");
        CheckFile(CertificateLocation, prefix + ".CertificateLocation");
        CheckFile(KeyLocation, prefix + ".KeyLocation");
        if ((CertificateLocation is null) != (KeyLocation is null))
        {
            throw new KafkaConfigurationException(prefix + (CertificateLocation is null ? ".CertificateLocation" : ".KeyLocation"), null,
                "mutual TLS needs both CertificateLocation and KeyLocation");
        }

        if (KeyPassword is not null && KeyLocation is null)
        {
            throw new KafkaConfigurationException(prefix + ".KeyLocation", null, "KeyPassword is set, so a KeyLocation is required");
        }
    }

    internal void Apply(IDictionary<string, string> config)
    {
        config["enable.ssl.certificate.verification"] = "true";
        config["ssl.endpoint.identification.algorithm"] = EnableHostnameVerification ? "https" : "none";
        if (CaLocation is not null)
        {
            config["ssl.ca.location"] = CaLocation;
        }

        if (CertificateLocation is not null)
        {
            config["ssl.certificate.location"] = CertificateLocation;
        }

        if (KeyLocation is not null)
        {
            config["ssl.key.location"] = KeyLocation;
        }

        if (KeyPassword is not null)
        {
            config["ssl.key.password"] = KeyPassword;
        }
    }

    private static void CheckFile(string? path, string field)
    {
        if (path is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new KafkaConfigurationException(field, path, "the file does not exist or is not readable");
        }
    }
}

/// <summary>The SASL mechanism for broker authentication.</summary>
public enum SaslMechanism
{
    /// <summary>SASL/PLAIN: user name and password (use with TLS).</summary>
    Plain,

    /// <summary>SASL/SCRAM-SHA-256.</summary>
    ScramSha256,

    /// <summary>SASL/SCRAM-SHA-512.</summary>
    ScramSha512,

    /// <summary>SASL/OAUTHBEARER with an OIDC token endpoint (client credentials).</summary>
    OAuthBearer,
}

/// <summary>SASL authentication settings.</summary>
/// <remarks><see cref="ToString"/> never shows <see cref="Password"/> or <see cref="OAuthClientSecret"/>.</remarks>
public sealed class SaslOptions
{
    /// <summary>The mechanism. Default <see cref="SaslMechanism.Plain"/>.</summary>
    public SaslMechanism Mechanism { get; init; } = SaslMechanism.Plain;

    /// <summary>User name, for PLAIN and SCRAM.</summary>
    public string? Username { get; init; }

    /// <summary>Password, for PLAIN and SCRAM. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>OIDC token endpoint, for OAUTHBEARER.</summary>
    public Uri? OAuthTokenEndpoint { get; init; }

    /// <summary>OIDC client id, for OAUTHBEARER.</summary>
    public string? OAuthClientId { get; init; }

    /// <summary>OIDC client secret, for OAUTHBEARER. Never logged.</summary>
    public string? OAuthClientSecret { get; init; }

    /// <summary>OIDC scope, for OAUTHBEARER (optional).</summary>
    public string? OAuthScope { get; init; }

    /// <inheritdoc />
    public override string ToString()
        => $"SaslOptions {{ Mechanism = {Mechanism}, Username = {Username}, Password = {(Password is null ? "(none)" : "***")}, OAuthTokenEndpoint = {OAuthTokenEndpoint}, OAuthClientId = {OAuthClientId}, OAuthClientSecret = {(OAuthClientSecret is null ? "(none)" : "***")}, OAuthScope = {OAuthScope} }}";

    internal void Validate(string prefix)
    {
        if (!Enum.IsDefined(Mechanism))
        {
            throw new KafkaConfigurationException(prefix + ".Mechanism", Mechanism.ToString(), "must be Plain, ScramSha256, ScramSha512 or OAuthBearer");
        }

        if (Mechanism == SaslMechanism.OAuthBearer)
        {
            if (OAuthTokenEndpoint is null || !OAuthTokenEndpoint.IsAbsoluteUri)
            {
                throw new KafkaConfigurationException(prefix + ".OAuthTokenEndpoint", OAuthTokenEndpoint?.ToString(), "OAUTHBEARER needs an absolute token endpoint URL");
            }

            if (string.IsNullOrEmpty(OAuthClientId))
            {
                throw new KafkaConfigurationException(prefix + ".OAuthClientId", OAuthClientId, "OAUTHBEARER needs a client id");
            }

            if (string.IsNullOrEmpty(OAuthClientSecret))
            {
                throw new KafkaConfigurationException(prefix + ".OAuthClientSecret", null, "OAUTHBEARER needs a client secret");
            }

            return;
        }

        if (string.IsNullOrEmpty(Username))
        {
            throw new KafkaConfigurationException(prefix + ".Username", Username, $"SASL {Mechanism} needs a user name");
        }

        if (string.IsNullOrEmpty(Password))
        {
            throw new KafkaConfigurationException(prefix + ".Password", null, $"SASL {Mechanism} needs a password");
        }
    }

    internal void Apply(IDictionary<string, string> config)
    {
        switch (Mechanism)
        {
            case SaslMechanism.OAuthBearer:
                config["sasl.mechanism"] = "OAUTHBEARER";
                config["sasl.oauthbearer.method"] = "oidc";
                config["sasl.oauthbearer.token.endpoint.url"] = OAuthTokenEndpoint!.ToString();
                config["sasl.oauthbearer.client.id"] = OAuthClientId!;
                config["sasl.oauthbearer.client.secret"] = OAuthClientSecret!;
                if (OAuthScope is not null)
                {
                    config["sasl.oauthbearer.scope"] = OAuthScope;
                }

                break;
            default:
                config["sasl.mechanism"] = Mechanism switch
                {
                    SaslMechanism.ScramSha256 => "SCRAM-SHA-256",
                    SaslMechanism.ScramSha512 => "SCRAM-SHA-512",
                    _ => "PLAIN",
                };
                config["sasl.username"] = Username!;
                config["sasl.password"] = Password!;
                break;
        }
    }
}
