using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kafka.Typed.Testing;

/// <summary>
/// A Confluent Schema Registry for tests: the REST subset the Confluent serdes and <c>CachedSchemaRegistryClient</c> use,
/// served over real HTTP on 127.0.0.1 (an ephemeral port) by Kestrel, with the data held in memory.
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
    private WebApplication? _app;
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
    /// <param name="cancellationToken">Stops waiting for the server to start.</param>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_app is not null)
        {
            throw new InvalidOperationException("The registry is already started.");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.Use(GuardAsync);
        MapRoutes(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        _app = app;
        Log.Started(_logger, Url);
    }

    /// <summary>Stops the server (the data is dropped).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_app is { } app)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(stopping.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => Task.Run(async () => await DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();

    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        Interlocked.Increment(ref _requestCount);
        try
        {
            if (_expectedAuthorization is not null && !string.Equals(context.Request.Headers.Authorization.ToString(), _expectedAuthorization, StringComparison.Ordinal))
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"SchemaRegistry\"";
                throw new RegistryError(401, 401, "Unauthorized");
            }

            await next(context).ConfigureAwait(false);
            if (context.Response.StatusCode == 404 && !context.Response.HasStarted)
            {
                await WriteErrorAsync(context, new RegistryError(404, 404, "HTTP 404 Not Found")).ConfigureAwait(false);
            }
        }
        catch (RegistryError e)
        {
            await WriteErrorAsync(context, e).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, new RegistryError(422, 422, "Unprocessable entity: " + e.Message)).ConfigureAwait(false);
        }
        finally
        {
            Log.Request(_logger, context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode);
        }
    }

    private void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (RequestDelegate)(c => WriteJsonAsync(c, new JsonObject())));
        app.MapGet("/subjects", (RequestDelegate)(c => WriteJsonAsync(c, ToArray(_state.Subjects()))));
        app.MapGet("/subjects/{subject}/versions", (RequestDelegate)(c => WriteJsonAsync(c, ToArray(_state.Versions(Route(c, "subject"))))));
        app.MapPost("/subjects/{subject}/versions", (RequestDelegate)(async c =>
        {
            var (type, text) = await ReadSchemaAsync(c).ConfigureAwait(false);
            var subject = Route(c, "subject");
            var (id, version) = _state.Register(subject, type, text, Flag(c, "normalize"));
            await WriteJsonAsync(c, new JsonObject { ["id"] = id, ["version"] = version, ["subject"] = subject }).ConfigureAwait(false);
        }));
        app.MapPost("/subjects/{subject}", (RequestDelegate)(async c =>
        {
            var (type, text) = await ReadSchemaAsync(c).ConfigureAwait(false);
            var subject = Route(c, "subject");
            var (schema, version) = _state.Lookup(subject, type, text, Flag(c, "normalize"));
            await WriteJsonAsync(c, SchemaRegistryState.Describe(subject, schema, version)).ConfigureAwait(false);
        }));
        app.MapDelete("/subjects/{subject}", (RequestDelegate)(c => WriteJsonAsync(c, ToArray(_state.DeleteSubject(Route(c, "subject"))))));
        app.MapGet("/subjects/{subject}/versions/{version}", (RequestDelegate)(c =>
        {
            var subject = Route(c, "subject");
            var (schema, version) = _state.GetVersion(subject, Route(c, "version"));
            return WriteJsonAsync(c, SchemaRegistryState.Describe(subject, schema, version));
        }));
        app.MapGet("/subjects/{subject}/versions/{version}/schema", (RequestDelegate)(async c =>
        {
            var (schema, _) = _state.GetVersion(Route(c, "subject"), Route(c, "version"));
            c.Response.ContentType = ContentType;
            await c.Response.WriteAsync(schema.Text).ConfigureAwait(false);
        }));
        app.MapGet("/schemas/ids/{id}", (RequestDelegate)(c =>
        {
            if (!int.TryParse(Route(c, "id"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                throw new RegistryError(404, 40403, "Schema " + Route(c, "id") + " not found");
            }

            var schema = _state.GetById(id);
            var body = new JsonObject();
            if (schema.SchemaType != "AVRO")
            {
                body["schemaType"] = schema.SchemaType;
            }

            body["schema"] = schema.Text;
            return WriteJsonAsync(c, body);
        }));
        app.MapGet("/config", (RequestDelegate)(c => WriteJsonAsync(c, new JsonObject { ["compatibilityLevel"] = _state.GlobalLevel })));
        app.MapPut("/config", (RequestDelegate)(async c =>
        {
            _state.GlobalLevel = await ReadLevelAsync(c).ConfigureAwait(false);
            await WriteJsonAsync(c, new JsonObject { ["compatibility"] = _state.GlobalLevel }).ConfigureAwait(false);
        }));
        app.MapGet("/config/{subject}", (RequestDelegate)(c =>
        {
            var subject = Route(c, "subject");
            var level = _state.GetSubjectLevel(subject) ?? (Flag(c, "defaultToGlobal") ? _state.GlobalLevel : null)
                ?? throw new RegistryError(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
            return WriteJsonAsync(c, new JsonObject { ["compatibilityLevel"] = level });
        }));
        app.MapPut("/config/{subject}", (RequestDelegate)(async c =>
        {
            var level = await ReadLevelAsync(c).ConfigureAwait(false);
            _state.SetSubjectLevel(Route(c, "subject"), level);
            await WriteJsonAsync(c, new JsonObject { ["compatibility"] = level }).ConfigureAwait(false);
        }));
        app.MapPost("/compatibility/subjects/{subject}/versions/{version}", (RequestDelegate)(async c =>
        {
            var (type, text) = await ReadSchemaAsync(c).ConfigureAwait(false);
            var compatible = _state.TestCompatibility(Route(c, "subject"), Route(c, "version"), type, text, Flag(c, "normalize"));
            await WriteJsonAsync(c, new JsonObject { ["is_compatible"] = compatible }).ConfigureAwait(false);
        }));
        app.Map("/associations/{**rest}", (RequestDelegate)(_ => throw new RegistryError(404, 40401, "No associations")));
    }

    private static string Route(HttpContext context, string name) => context.Request.RouteValues[name]?.ToString() ?? "";

    private static bool Flag(HttpContext context, string name)
        => bool.TryParse(context.Request.Query[name].ToString(), out var value) && value;

    private static JsonArray ToArray<TItem>(IEnumerable<TItem> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add(JsonValue.Create(item));
        }

        return array;
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        return node as JsonObject ?? throw new RegistryError(422, 422, "Unprocessable entity: the body is not a JSON object");
    }

    private static async Task<(string Type, string Text)> ReadSchemaAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
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

    private static async Task<string> ReadLevelAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var level = body["compatibility"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
        return SchemaRegistryState.Levels.Contains(level)
            ? level
            : throw new RegistryError(422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
    }

    private static async Task WriteJsonAsync(HttpContext context, JsonNode body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = ContentType;
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteErrorAsync(HttpContext context, RegistryError error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = error.Status;
        context.Response.ContentType = ContentType;
        var body = new JsonObject { ["error_code"] = error.ErrorCode, ["message"] = error.Message };
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, EventName = "SchemaRegistryStarted", Level = LogLevel.Information, Message = "In-process Schema Registry listening at {Url}")]
        public static partial void Started(ILogger logger, string url);

        [LoggerMessage(EventId = 21, EventName = "SchemaRegistryRequest", Level = LogLevel.Debug, Message = "Schema Registry {Method} {Path} -> {Status}")]
        public static partial void Request(ILogger logger, string method, string path, int status);
    }
}
