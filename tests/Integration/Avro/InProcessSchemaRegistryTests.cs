using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Confluent.SchemaRegistry;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Avro;

public sealed class InProcessSchemaRegistryTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private const string V1 = """{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}""";
    private const string V2AddedWithDefault = """{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"extra","type":"string","default":"x"}]}""";
    private const string V2Removed = """{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"int"}]}""";
    private const string V2AddedNoDefault = """{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"extra","type":"string"}]}""";
    private const string V2BadType = """{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"string"},{"name":"name","type":"string"}]}""";
    private const string V2Promoted = """{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}""";

    private readonly CachedSchemaRegistryClient _client = fixture.Client;

    private static string Subject(string name) => TestNames.Unique("subj", name) + "-value";

    [Fact]
    public async Task Register_is_idempotent_and_ids_are_global_across_subjects()
    {
        var a = Subject("a");
        var b = Subject("b");
        var id = await _client.RegisterSchemaAsync(a, new Schema(V1, SchemaType.Avro));
        Assert.Equal(id, await _client.RegisterSchemaAsync(a, new Schema(V1, SchemaType.Avro)));
        Assert.Equal(id, await _client.RegisterSchemaAsync(b, new Schema(V1, SchemaType.Avro)));

        // Whitespace and property order do not make a new schema (Confluent keys schemas by their canonical form).
        var reformatted = """{ "namespace":"t", "type" : "record", "name":"Evo", "fields":[{"type":"int","name":"id"},{"name":"name","type":"string"}] }""";
        using var fresh = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = fixture.Registry.Url });
        Assert.Equal(id, await fresh.RegisterSchemaAsync(a, new Schema(reformatted, SchemaType.Avro), normalize: true));
        Assert.Equal([1], await _client.GetSubjectVersionsAsync(a));

        var id2 = await _client.RegisterSchemaAsync(a, new Schema(V2AddedWithDefault, SchemaType.Avro));
        Assert.NotEqual(id, id2);
        Assert.Equal([1, 2], await _client.GetSubjectVersionsAsync(a));
        Assert.Contains(a, await _client.GetAllSubjectsAsync());
        Assert.Contains(b, await _client.GetAllSubjectsAsync());
    }

    [Fact]
    public async Task Lookup_latest_version_and_by_id()
    {
        var s = Subject("lookup");
        var id = await _client.RegisterSchemaAsync(s, new Schema(V1, SchemaType.Avro));
        var looked = await _client.LookupSchemaAsync(s, new Schema(V1, SchemaType.Avro), ignoreDeletedSchemas: true, normalize: false);
        Assert.Equal(id, looked.Id);
        Assert.Equal(1, looked.Version);
        Assert.Equal(id, await _client.GetSchemaIdAsync(s, new Schema(V1, SchemaType.Avro), normalize: false));

        var latest = await _client.GetLatestSchemaAsync(s);
        Assert.Equal(id, latest.Id);
        Assert.Equal(1, latest.Version);
        Assert.Equal(s, latest.Subject);
        Assert.Equal(global::Avro.Schema.Parse(V1), global::Avro.Schema.Parse(latest.SchemaString));

        var byId = await _client.GetSchemaBySubjectAndIdAsync(s, id);
        Assert.Equal(SchemaType.Avro, byId.SchemaType);
        Assert.Equal(global::Avro.Schema.Parse(V1), global::Avro.Schema.Parse(byId.SchemaString));

        var v1 = await _client.GetRegisteredSchemaAsync(s, 1, ignoreDeletedSchemas: true);
        Assert.Equal(id, v1.Id);
    }

    [Fact]
    public async Task Missing_subject_schema_and_id_answer_confluent_error_codes()
    {
        var s = Subject("missing");
        var e1 = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.LookupSchemaAsync(s, new Schema(V1, SchemaType.Avro), true, false));
        Assert.Equal(40401, e1.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, e1.Status);

        await _client.RegisterSchemaAsync(s, new Schema(V1, SchemaType.Avro));
        var e2 = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.LookupSchemaAsync(s, new Schema(V2Removed, SchemaType.Avro), true, false));
        Assert.Equal(40403, e2.ErrorCode);

        var e3 = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.GetSchemaBySubjectAndIdAsync(s, 987_654));
        Assert.Equal(40403, e3.ErrorCode);

        var e4 = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.GetLatestSchemaAsync(Subject("never")));
        Assert.Equal(40401, e4.ErrorCode);

        var e5 = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.GetRegisteredSchemaAsync(s, 7, true));
        Assert.Equal(40402, e5.ErrorCode);
    }

    [Theory]
    [InlineData(V2AddedWithDefault, true)]
    [InlineData(V2Removed, true)]
    [InlineData(V2Promoted, true)]
    [InlineData(V2AddedNoDefault, false)]
    [InlineData(V2BadType, false)]
    public async Task Backward_compatibility_check_follows_avro_resolution(string candidate, bool compatible)
    {
        var s = Subject("compat");
        await _client.RegisterSchemaAsync(s, new Schema(V1, SchemaType.Avro));
        Assert.Equal(compatible, await _client.IsCompatibleAsync(s, new Schema(candidate, SchemaType.Avro)));
        if (compatible)
        {
            await _client.RegisterSchemaAsync(s, new Schema(candidate, SchemaType.Avro));
        }
        else
        {
            var e = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.RegisterSchemaAsync(s, new Schema(candidate, SchemaType.Avro)));
            Assert.Equal(409, e.ErrorCode);
        }
    }

    [Fact]
    public async Task Compatibility_level_is_configurable_per_subject_and_globally()
    {
        var s = Subject("config");
        Assert.Equal(Compatibility.Backward, await _client.GetCompatibilityAsync());
        await _client.RegisterSchemaAsync(s, new Schema(V1, SchemaType.Avro));
        Assert.Equal(Compatibility.None, await _client.UpdateCompatibilityAsync(Compatibility.None, s));
        Assert.Equal(Compatibility.None, await _client.GetCompatibilityAsync(s));
        Assert.True(await _client.IsCompatibleAsync(s, new Schema(V2BadType, SchemaType.Avro)));
        await _client.RegisterSchemaAsync(s, new Schema(V2BadType, SchemaType.Avro));

        Assert.Equal(Compatibility.Forward, await _client.UpdateCompatibilityAsync(Compatibility.Forward, s));

        // FORWARD: the old schema must read the new one's data. Adding a field is fine; removing one without a default is not.
        Assert.True(await _client.IsCompatibleAsync(s, new Schema("""{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"string"},{"name":"name","type":"string"},{"name":"more","type":"int"}]}""", SchemaType.Avro)));
        Assert.False(await _client.IsCompatibleAsync(s, new Schema("""{"type":"record","name":"Evo","namespace":"t","fields":[{"name":"id","type":"string"}]}""", SchemaType.Avro)));
    }

    [Fact]
    public async Task Invalid_avro_schema_is_rejected_with_42201_and_other_types_are_stored_verbatim()
    {
        var e = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.RegisterSchemaAsync(Subject("bad"), new Schema("""{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}""", SchemaType.Avro)));
        Assert.Equal(42201, e.ErrorCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);

        const string json = """{ "type": "object" }""";
        var s = Subject("json");
        var id = await _client.RegisterSchemaAsync(s, new Schema(json, SchemaType.Json));
        var back = await _client.GetSchemaBySubjectAndIdAsync(s, id);
        Assert.Equal(SchemaType.Json, back.SchemaType);
        Assert.Equal(json, back.SchemaString);
    }

    [Fact]
    public async Task Raw_http_content_type_error_shape_associations_and_delete()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Registry.Url) };
        var s = Subject("raw");
        var body = new StringContent(JsonSerializer.Serialize(new { schema = V1 }), Encoding.UTF8, "application/vnd.schemaregistry.v1+json");
        var register = await http.PostAsync($"subjects/{Uri.EscapeDataString(s)}/versions", body);
        Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        Assert.Equal(InProcessSchemaRegistry.ContentType, register.Content.Headers.ContentType?.MediaType);

        var missing = await http.GetAsync("schemas/ids/424242");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var doc = JsonDocument.Parse(await missing.Content.ReadAsStringAsync()))
        {
            Assert.Equal(40403, doc.RootElement.GetProperty("error_code").GetInt32());
            Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("message").GetString()));
        }

        var associations = await http.GetAsync($"associations/resources/cluster/{s}?resourceType=topic");
        Assert.Equal(HttpStatusCode.NotFound, associations.StatusCode);

        var deleted = await http.DeleteAsync($"subjects/{Uri.EscapeDataString(s)}");
        Assert.Equal("[1]", await deleted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"subjects/{Uri.EscapeDataString(s)}/versions")).StatusCode);
    }

    [Fact]
    public async Task Basic_auth_is_enforced_when_configured()
    {
        await using var registry = await InProcessSchemaRegistry.StartAsync(new InProcessSchemaRegistryOptions { BasicAuthUser = "alice", BasicAuthPassword = "s3cret" });
        using var anonymous = new HttpClient { BaseAddress = new Uri(registry.Url) };
        var denied = await anonymous.GetAsync("subjects");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);

        using var wrong = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url, BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo, BasicAuthUserInfo = "alice:nope" });
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => wrong.GetAllSubjectsAsync());

        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url, BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo, BasicAuthUserInfo = "alice:s3cret" });
        var id = await client.RegisterSchemaAsync("auth-value", new Schema(V1, SchemaType.Avro));
        Assert.True(id > 0);

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret")));
        Assert.Equal("[\"auth-value\"]", await anonymous.GetStringAsync("subjects"));
    }
}

public sealed class InProcessSchemaRegistryExtraTests
{
    private const string V1 = """{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}""";
    private const string V2 = """{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}""";
    private const string V3DropsA = """{"type":"record","name":"R","fields":[{"name":"b","type":"int","default":0}]}""";

    [Fact]
    public async Task Transitive_levels_check_every_version_and_a_version_can_be_targeted()
    {
        var logs = new CapturingLoggerFactory();
        await using var registry = await InProcessSchemaRegistry.StartAsync(new InProcessSchemaRegistryOptions { Compatibility = "FULL_TRANSITIVE", LoggerFactory = logs, BasicAuthUser = "u", BasicAuthPassword = "topsecret" });
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url, BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo, BasicAuthUserInfo = "u:topsecret" });
        await client.RegisterSchemaAsync("r-value", new Schema(V1, SchemaType.Avro));
        await client.RegisterSchemaAsync("r-value", new Schema(V2, SchemaType.Avro));
        Assert.Equal(Compatibility.FullTransitive, await client.GetCompatibilityAsync());

        // V3 drops 'a' (no default): old readers of V1 cannot read it.
        Assert.False(await client.IsCompatibleAsync("r-value", new Schema(V3DropsA, SchemaType.Avro)));

        using var http = new HttpClient { BaseAddress = new Uri(registry.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("u:topsecret")));
        var body = JsonSerializer.Serialize(new { schema = V2 });
        var against1 = await http.PostAsync("compatibility/subjects/r-value/versions/1", new StringContent(body, Encoding.UTF8, "application/vnd.schemaregistry.v1+json"));
        Assert.Equal("{\"is_compatible\":true}", await against1.Content.ReadAsStringAsync());
        var badVersion = await http.PostAsync("compatibility/subjects/r-value/versions/zero", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badVersion.StatusCode);

        var badLevel = await http.PutAsync("config", new StringContent("{\"compatibility\":\"SIDEWAYS\"}", Encoding.UTF8, "application/json"));
        using (var doc = JsonDocument.Parse(await badLevel.Content.ReadAsStringAsync()))
        {
            Assert.Equal(42203, doc.RootElement.GetProperty("error_code").GetInt32());
        }

        Assert.Contains(logs.Lines, l => l.Contains("POST /subjects/r-value/versions -> 200", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("topsecret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleted_subject_can_be_registered_again_with_the_same_global_id()
    {
        using var registry = InProcessSchemaRegistry.Start();
        using var client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        var id = await client.RegisterSchemaAsync("d-value", new Schema(V1, SchemaType.Avro));
        using var http = new HttpClient { BaseAddress = new Uri(registry.Url) };
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("subjects/d-value")).StatusCode);
        Assert.Empty(await client.GetAllSubjectsAsync());
        using var fresh = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url });
        Assert.Equal(id, await fresh.RegisterSchemaAsync("d-value", new Schema(V1, SchemaType.Avro)));
        Assert.Equal(V1, (await fresh.GetSchemaBySubjectAndIdAsync("d-value", id)).SchemaString);
        Assert.Throws<ArgumentException>(() => new InProcessSchemaRegistry(new InProcessSchemaRegistryOptions { Compatibility = "SOMETIMES" }));
    }
}
