using System.Runtime.CompilerServices;

// The soak harness crashes consumer-group members through the internal ConsumerGroup.Crash hook.
[assembly: InternalsVisibleTo("Kafka.Typed.Soak")]
