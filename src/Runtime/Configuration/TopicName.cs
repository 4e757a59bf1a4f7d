namespace Kafka.Typed;

/// <summary>Kafka's rules for topic names, checked where a topic is configured.</summary>
public static class TopicName
{
    /// <summary>The longest topic name Kafka accepts.</summary>
    public const int MaxLength = 249;

    /// <summary>Returns <see langword="null"/> when <paramref name="name"/> is a legal topic name, else the reason.</summary>
    /// <param name="name">The candidate topic name.</param>
    public static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a topic name must not be empty";
        }

        if (name.Length > MaxLength)
        {
            return $"a topic name has at most {MaxLength} characters (this one has {name.Length})";
        }

        if (name is "." or "..")
        {
            return "a topic name must not be '.' or '..'";
        }

        foreach (var c in name)
        {
            if (!IsLegal(c))
            {
                return $"a topic name may contain only ASCII letters, digits, '.', '_' and '-' (found '{c}')";
            }
        }

        return null;
    }

    /// <summary>Throws a <see cref="KafkaConfigurationException"/> naming <paramref name="field"/> when the name is illegal.</summary>
    /// <param name="name">The candidate topic name.</param>
    /// <param name="field">The option or argument that carried it.</param>
    public static void Validate(string? name, string field)
    {
        var problem = Check(name);
        if (problem is not null)
        {
            throw new KafkaConfigurationException(field, name, problem);
        }
    }

    private static bool IsLegal(char c)
        => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
