namespace Kafka.Typed.Generators.Parsing;

/// <summary>Kafka's topic naming rule (the same as the runtime's <c>TopicName.Check</c>).</summary>
internal static class TopicRules
{
    public const int MaxLength = 249;

    /// <summary>Returns <see langword="null"/> when <paramref name="name"/> is legal, else the reason.</summary>
    public static string? Check(string? name)
    {
        if (name is null || name.Length == 0)
        {
            return "a topic name must not be empty";
        }

        if (name.Length > MaxLength)
        {
            return "a topic name has at most 249 characters (this one has " + name.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        }

        if (name == "." || name == "..")
        {
            return "a topic name must not be '.' or '..'";
        }

        foreach (var c in name)
        {
            var legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!legal)
            {
                return "a topic name may contain only ASCII letters, digits, '.', '_' and '-' (found '" + c + "')";
            }
        }

        return null;
    }
}
