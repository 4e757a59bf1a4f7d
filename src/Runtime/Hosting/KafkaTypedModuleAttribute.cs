using System.ComponentModel;

namespace Kafka.Typed;

/// <summary>
/// Marks an assembly that declares Kafka.Typed message types or handlers, naming its generated registration module (a
/// public static class with <c>Register(IServiceCollection)</c>). The generator of an application that references the
/// assembly finds this attribute and composes the module into the application's <c>AddKafkaTyped</c>, so the
/// application registers the producers and consumers of every referenced assembly without seeing its internals.
/// Generated; not meant for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false, Inherited = false)]
public sealed class KafkaTypedModuleAttribute : Attribute
{
    /// <summary>Names the assembly's registration module.</summary>
    /// <param name="moduleType">The generated module class.</param>
    public KafkaTypedModuleAttribute(Type moduleType)
    {
        ModuleType = moduleType;
    }

    /// <summary>The generated module class.</summary>
    public Type ModuleType { get; }
}
