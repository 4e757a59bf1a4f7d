namespace Kafka.Typed.Generators;

/// <summary>Names of the tracked pipeline steps, for the incremental caching tests.</summary>
internal static class TrackingNames
{
    public const string LanguageVersion = nameof(LanguageVersion);
    public const string Messages = nameof(Messages);
    public const string Handlers = nameof(Handlers);
    public const string Registration = nameof(Registration);
    public const string References = nameof(References);
    public const string SpecificRecords = nameof(SpecificRecords);
    public const string SpecificRecord = nameof(SpecificRecord);

    // The AsyncAPI document (AsyncApiPipeline).
    public const string AsyncApiModule = nameof(AsyncApiModule);
    public const string AsyncApiReferences = nameof(AsyncApiReferences);
    public const string AsyncApi = nameof(AsyncApi);
}
