using System.Collections.Concurrent;

namespace Kafka.Typed.Integration.Tests.MultiType;

// The topics below are replaced per test through Kafka:Topics; what matters is that the types of each share one.

/// <summary>Avro, Confluent's TopicRecordNameStrategy: subject '{topic}-Kafka.Typed.Integration.Tests.MultiType.MtOrderPlaced'.</summary>
[KafkaTopic("mt.orders", SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)]
public partial record MtOrderPlaced([property: KafkaKey] string OrderId, int Amount);

/// <summary>Avro, Confluent's RecordNameStrategy under another record name: subject 'com.acme.OrderCancelled'.</summary>
[KafkaTopic("mt.orders", SubjectNameStrategy = KafkaSubjectNameStrategy.RecordName), AvroName("OrderCancelled", Namespace = "com.acme")]
public partial record MtOrderCancelled([property: KafkaKey] string OrderId, string Reason);

/// <summary>Avro on the same topic with no handler in the tests' group: the unknown-type rule applies to it.</summary>
[KafkaTopic("mt.orders", SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)]
public partial record MtOrderShipped([property: KafkaKey] string OrderId);

/// <summary>JSON with a configured discriminator: header kt-message-type = 'note-added'.</summary>
[KafkaTopic("mt.notes", Format = KafkaFormat.Json, SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName, MessageTypeName = "note-added")]
public partial record MtNoteAdded([property: KafkaKey] string NoteId, string Text);

/// <summary>JSON with the default header value, the type's full name.</summary>
[KafkaTopic("mt.notes", Format = KafkaFormat.Json, SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)]
public partial record MtNoteRemoved([property: KafkaKey] string NoteId);

/// <summary>JSON on the same topic with no handler in the tests' group.</summary>
[KafkaTopic("mt.notes", Format = KafkaFormat.Json, SubjectNameStrategy = KafkaSubjectNameStrategy.TopicRecordName)]
public partial record MtNoteArchived([property: KafkaKey] string NoteId);

/// <summary>What the handlers saw, in order, with the handler instance's name (singleton, registered by the tests).</summary>
public sealed class MultiTypeSink
{
    public ConcurrentQueue<string> Seen { get; } = new();
}

[KafkaConsumer("mt.orders")]
public sealed class MtPlacedHandler(MultiTypeSink sink) : IKafkaHandler<MtOrderPlaced>
{
    public Task HandleAsync(KafkaMessage<MtOrderPlaced> message, CancellationToken cancellationToken)
    {
        sink.Seen.Enqueue($"placed {message.Value.OrderId} {message.Value.Amount} @{message.Offset}");
        return Task.CompletedTask;
    }
}

[KafkaConsumer("mt.orders")]
public sealed class MtCancelledHandler(MultiTypeSink sink) : IKafkaHandler<MtOrderCancelled>
{
    public Task HandleAsync(KafkaMessage<MtOrderCancelled> message, CancellationToken cancellationToken)
    {
        sink.Seen.Enqueue($"cancelled {message.Value.OrderId} {message.Value.Reason} @{message.Offset}");
        return Task.CompletedTask;
    }
}

[KafkaConsumer("mt.notes")]
public sealed class MtNoteAddedHandler(MultiTypeSink sink) : IKafkaHandler<MtNoteAdded>
{
    public Task HandleAsync(KafkaMessage<MtNoteAdded> message, CancellationToken cancellationToken)
    {
        sink.Seen.Enqueue($"added {message.Value.NoteId} {message.Value.Text} @{message.Offset}");
        return Task.CompletedTask;
    }
}

[KafkaConsumer("mt.notes")]
public sealed class MtNoteRemovedHandler(MultiTypeSink sink) : IKafkaHandler<MtNoteRemoved>
{
    public Task HandleAsync(KafkaMessage<MtNoteRemoved> message, CancellationToken cancellationToken)
    {
        sink.Seen.Enqueue($"removed {message.Value.NoteId} @{message.Offset}");
        return Task.CompletedTask;
    }
}
