using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kafka.Typed.Testing.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed.Testing;

/// <summary>
/// A Confluent Schema Registry for tests: the REST subset the Confluent serdes and <c>CachedSchemaRegistryClient</c> use,
/// served over real HTTP/1.1 on 127.0.0.1 (an ephemeral port) by a small built-in server (no ASP.NET Core), with the data held
/// in memory.
/// </summary>
/// <remarks>
/// <para>Endpoints: <c>POST /subjects/{s}/versions</c> (register; identical schemas share one global id across
/// subjects; <c>normalize</c> honoured), <c>POST /subjects/{s}</c> (lookup), <c>GET /schemas/ids/{id}</c>,
/// <c>GET /subjects</c>, <c>GET /subjects/{s}/versions</c>, <c>GET /subjects/{s}/versions/{n|latest}</c>,
/// <c>DELETE /subjects/{s}</c>, <c>GET|PUT /config</c> and <c>/config/{s}</c>,
/// <c>POST /compatibility/subjects/{s}/versions/{n|latest}</c>; <c>/associations/…</c> answers 404 so serdes fall back
/// to the topic name strategy. Errors use Confluent's shape <c>{"error_code":…,"message":…}</c> and codes (40401 subject
/// not found, 40402 version not found, 40403 schema not found, 409 incompatible, 42201 invalid schema, 42202 invalid
/// version, 42203 invalid compatibility level, 401 unauthorized).</para>
/// <para>Avro schemas are parsed (Apache.Avro) and checked for compatibility with the subject's level (default
/// BACKWARD) using Avro's schema resolution rules. JSON and PROTOBUF schemas are stored verbatim, unchecked.</para>
/// </remarks>
/// <example>
/// <code>
/// await using var registry = await InProcessSchemaRegistry.StartAsync();
/// using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
/// </code>
/// </example>
public sealed partial class InProcessSchemaRegistry : IAsyncDisposable, IDisposable
{
    /// <summary>The content type of every answer.</summary>
    public const string ContentType = "application/vnd.schemaregistry.v1+json";

    private readonly InProcessSchemaRegistryOptions _options;
    private readonly SchemaRegistryState _state;
    private readonly ILogger _logger;
    private readonly string? _expectedAuthorization;
    private LoopbackHttpServer? _server;
    private int _disposed;

    /// <summary>Creates the registry; call <see cref="StartAsync(CancellationToken)"/> (or use the static <see cref="StartAsync(InProcessSchemaRegistryOptions?, CancellationToken)"/>).</summary>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The compatibility level is unknown, or only one of user and password is set.</exception>
    public InProcessSchemaRegistry(InProcessSchemaRegistryOptions? options = null)
    {
        _options = options ?? new InProcessSchemaRegistryOptions();
        if (!SchemaRegistryState.Levels.Contains(_options.Compatibility))
        {
            throw new ArgumentException($"Compatibility '{_options.Compatibility}' is not one of {string.Join(", ", SchemaRegistryState.Levels)}.", nameof(options));
        }

        if ((_options.BasicAuthUser is null) != (_options.BasicAuthPassword is null))
        {
            throw new ArgumentException("Set both BasicAuthUser and BasicAuthPassword, or neither.", nameof(options));
        }

        if (_options.BasicAuthUser is not null)
        {
            _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(_options.BasicAuthUser + ":" + _options.BasicAuthPassword));
        }

        _state = new SchemaRegistryState(_options.Compatibility);
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<InProcessSchemaRegistry>();
    }

    /// <summary>The base URL, for example <c>http://127.0.0.1:41234</c>; set once started.</summary>
    public string Url { get; private set; } = "";

    /// <summary>How many requests were served (any status).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    private int _requestCount;

    /// <summary>Creates and starts a registry.</summary>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the server to start.</param>
    public static async Task<InProcessSchemaRegistry> StartAsync(InProcessSchemaRegistryOptions? options = null, CancellationToken cancellationToken = default)
    {
        var registry = new InProcessSchemaRegistry(options);
        await registry.StartAsync(cancellationToken).ConfigureAwait(false);
        return registry;
    }

    /// <summary>Creates and starts a registry, blocking until it listens.</summary>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    public static InProcessSchemaRegistry Start(InProcessSchemaRegistryOptions? options = null)
        => Task.Run(() => StartAsync(options)).GetAwaiter().GetResult();

    /// <summary>Starts listening on 127.0.0.1 on an ephemeral port and sets <see cref="Url"/>.</summary>
    /// <param name="cancellationToken">Not used: the listener starts at once.</param>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_server is not null)
        {
            throw new InvalidOperationException("The registry is already started.");
        }

        _server = LoopbackHttpServer.Start(HandleAsync);
        Url = "http://127.0.0.1:" + _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Log.Started(_logger, Url);
        return Task.CompletedTask;
    }

    /// <summary>Stops the server (the data is dropped).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => Task.Run(async () => await DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();

    private Task<HttpResponseData> HandleAsync(HttpRequestData request)
    {
        Interlocked.Increment(ref _requestCount);
        HttpResponseData response;
        try
        {
            if (_expectedAuthorization is not null &&
                !(request.Headers.TryGetValue("Authorization", out var authorization) && string.Equals(authorization, _expectedAuthorization, StringComparison.Ordinal)))
            {
                response = Error(new RegistryError(401, 401, "Unauthorized"), [new("WWW-Authenticate", "Basic realm=\"SchemaRegistry\"")]);
            }
            else
            {
                response = Route(request);
            }
        }
        catch (RegistryError e)
        {
            response = Error(e);
        }
        catch (JsonException e)
        {
            response = Error(new RegistryError(422, 422, "Unprocessable entity: " + e.Message));
        }

        Log.Request(_logger, request.Method, request.Path, response.Status);
        return Task.FromResult(response);
    }

    /// <summary>Answers one request, or throws <see cref="RegistryError"/>.</summary>
    private HttpResponseData Route(HttpRequestData r)
    {
        var s = r.Segments;
        var method = r.Method;
        switch (s.Count)
        {
            case 0:
                Allow(method, "GET");
                return Json(new JsonObject());
            case > 0 when s[0] == "associations":
                throw new RegistryError(404, 40401, "No associations");
            case 1 when s[0] == "subjects":
                Allow(method, "GET");
                return Json(ToArray(_state.Subjects()));
            case 1 when s[0] == "config":
                if (Allow(method, "GET", "PUT") == "GET")
                {
                    return Json(new JsonObject { ["compatibilityLevel"] = _state.GlobalLevel });
                }

                _state.GlobalLevel = ReadLevel(r);
                return Json(new JsonObject { ["compatibility"] = _state.GlobalLevel });
            case 2 when s[0] == "subjects":
                if (Allow(method, "POST", "DELETE") == "DELETE")
                {
                    return Json(ToArray(_state.DeleteSubject(s[1])));
                }
                else
                {
                    var (type, text) = ReadSchema(r);
                    var (schema, version) = _state.Lookup(s[1], type, text, Flag(r, "normalize"));
                    return Json(SchemaRegistryState.Describe(s[1], schema, version));
                }

            case 2 when s[0] == "config":
                if (Allow(method, "GET", "PUT") == "GET")
                {
                    var level = _state.GetSubjectLevel(s[1]) ?? (Flag(r, "defaultToGlobal") ? _state.GlobalLevel : null)
                        ?? throw new RegistryError(404, 40408, "Subject '" + s[1] + "' does not have subject-level compatibility configured");
                    return Json(new JsonObject { ["compatibilityLevel"] = level });
                }
                else
                {
                    var level = ReadLevel(r);
                    _state.SetSubjectLevel(s[1], level);
                    return Json(new JsonObject { ["compatibility"] = level });
                }

            case 3 when s[0] == "subjects" && s[2] == "versions":
                if (Allow(method, "GET", "POST") == "GET")
                {
                    return Json(ToArray(_state.Versions(s[1])));
                }
                else
                {
                    var (type, text) = ReadSchema(r);
                    var (id, version) = _state.Register(s[1], type, text, Flag(r, "normalize"));
                    return Json(new JsonObject { ["id"] = id, ["version"] = version, ["subject"] = s[1] });
                }

            case 3 when s[0] == "schemas" && s[1] == "ids":
            {
                Allow(method, "GET");
                if (!int.TryParse(s[2], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id))
                {
                    throw new RegistryError(404, 40403, "Schema " + s[2] + " not found");
                }

                var schema = _state.GetById(id);
                var body = new JsonObject();
                if (schema.SchemaType != "AVRO")
                {
                    body["schemaType"] = schema.SchemaType;
                }

                body["schema"] = schema.Text;
                return Json(body);
            }

            case 4 when s[0] == "subjects" && s[2] == "versions":
            {
                Allow(method, "GET");
                var (schema, version) = _state.GetVersion(s[1], s[3]);
                return Json(SchemaRegistryState.Describe(s[1], schema, version));
            }

            case 5 when s[0] == "subjects" && s[2] == "versions" && s[4] == "schema":
            {
                Allow(method, "GET");
                var (schema, _) = _state.GetVersion(s[1], s[3]);
                return new HttpResponseData(200, ContentType, Encoding.UTF8.GetBytes(schema.Text));
            }

            case 5 when s[0] == "compatibility" && s[1] == "subjects" && s[3] == "versions":
            {
                Allow(method, "POST");
                var (type, text) = ReadSchema(r);
                return Json(new JsonObject { ["is_compatible"] = _state.TestCompatibility(s[2], s[4], type, text, Flag(r, "normalize")) });
            }

            default:
                throw new RegistryError(404, 404, "HTTP 404 Not Found");
        }
    }

    /// <summary>Returns <paramref name="method"/> when it is one of <paramref name="allowed"/>; otherwise answers 405.</summary>
    private static string Allow(string method, params string[] allowed)
        => allowed.Contains(method, StringComparer.Ordinal) ? method : throw new RegistryError(405, 405, "HTTP 405 Method Not Allowed");

    private static bool Flag(HttpRequestData request, string name)
        => request.Query.TryGetValue(name, out var text) && bool.TryParse(text, out var value) && value;

    private static JsonArray ToArray(IEnumerable<string> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add((JsonNode?)JsonValue.Create(item));
        }

        return array;
    }

    private static JsonArray ToArray(IEnumerable<int> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add((JsonNode?)JsonValue.Create(item));
        }

        return array;
    }

    private static JsonObject ReadBody(HttpRequestData request)
    {
        var node = JsonNode.Parse(request.Body.Length == 0 ? "null"u8 : request.Body);
        return node as JsonObject ?? throw new RegistryError(422, 422, "Unprocessable entity: the body is not a JSON object");
    }

    private static (string Type, string Text) ReadSchema(HttpRequestData request)
    {
        var body = ReadBody(request);
        var text = body["schema"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new RegistryError(422, 42201, "Invalid schema: the body has no \"schema\" string");
        var type = body["schemaType"] is JsonValue t && t.TryGetValue<string>(out var st) ? st : "AVRO";
        if (type is not ("AVRO" or "JSON" or "PROTOBUF"))
        {
            throw new RegistryError(422, 42201, "Invalid schema type " + type);
        }

        if (body["references"] is JsonArray { Count: > 0 })
        {
            throw new RegistryError(422, 42201, "Invalid schema: schema references are not supported by the in-process registry");
        }

        return (type, text);
    }

    private static string ReadLevel(HttpRequestData request)
    {
        var body = ReadBody(request);
        var level = body["compatibility"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
        return SchemaRegistryState.Levels.Contains(level)
            ? level
            : throw new RegistryError(422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
    }

    private static HttpResponseData Json(JsonNode body) => new(200, ContentType, Encoding.UTF8.GetBytes(body.ToJsonString()));

    private static HttpResponseData Error(RegistryError error, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        var body = new JsonObject { ["error_code"] = error.ErrorCode, ["message"] = error.Message };
        return new HttpResponseData(error.Status, ContentType, Encoding.UTF8.GetBytes(body.ToJsonString()), headers);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, EventName = "SchemaRegistryStarted", Level = LogLevel.Information, Message = "In-process Schema Registry listening at {Url}")]
        public static partial void Started(ILogger logger, string url);

        [LoggerMessage(EventId = 21, EventName = "SchemaRegistryRequest", Level = LogLevel.Debug, Message = "Schema Registry {Method} {Path} -> {Status}")]
        public static partial void Request(ILogger logger, string method, string path, int status);
    }
}
