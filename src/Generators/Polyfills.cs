// Members the C# compiler needs for records and init accessors when targeting netstandard2.0.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
