using Confluent.Kafka;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>
/// <see cref="KafkaMessage{T}"/> as the typed consumer builds it (over the consumed record, per attempt) and as a test
/// builds it (the public constructor).
/// </summary>
public sealed class KafkaMessageTests
{
    [Fact]
    public void A_consumed_message_reads_the_record_and_keeps_the_attempt_it_was_made_for()
    {
        var headers = new Headers { { "h", [1, 2] } };
        var record = Record(headers);
        var consumed = new ConsumerMessage(record, "group-1") { Attempt = 2 };

        var message = new KafkaMessage<string>("value", consumed);
        consumed.Attempt = 3; // the next attempt gets a message of its own

        Assert.Equal("value", message.Value);
        Assert.Equal("orders", message.Topic);
        Assert.Equal(4, message.Partition);
        Assert.Equal(17, message.Offset);
        Assert.Equal("k"u8.ToArray(), message.Key);
        Assert.Equal("k", message.KeyAsString);
        Assert.Same(headers, message.Headers);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero), message.Timestamp);
        Assert.Equal("group-1", message.GroupId);
        Assert.Equal(2, message.Attempt);
        Assert.Equal("orders [4] @17", message.ToString());
    }

    [Fact]
    public void A_record_without_headers_gets_an_empty_list_only_when_the_handler_reads_it()
    {
        var record = Record(headers: null);
        var message = new KafkaMessage<string>("value", new ConsumerMessage(record, "g"));

        Assert.Null(record.Message.Headers);
        Assert.Empty(message.Headers);
        Assert.Same(record.Message.Headers, message.Headers);
    }

    [Fact]
    public void A_consumed_message_costs_40_bytes_not_a_copy_of_the_metadata()
    {
        // Allocation counts are exact (no timing): a copy of the metadata (topic, partition, offset, key, headers,
        // timestamp, attempt, group) took 88 B per message; a reference to the record and the attempt take 40.
        var consumed = new ConsumerMessage(Record(new Headers()), "g");
        _ = new KafkaMessage<string>("value", consumed);

        const int Count = 1000;
        var messages = new KafkaMessage<string>[Count];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++)
        {
            messages[i] = new KafkaMessage<string>("value", consumed);
        }

        var perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Count;
        Assert.True(perMessage <= 40, $"{perMessage} B per message");
        GC.KeepAlive(messages);
    }

    [Fact]
    public void One_built_by_a_test_returns_what_it_was_given()
    {
        var timestamp = new DateTimeOffset(2026, 12, 3, 10, 0, 0, 123, TimeSpan.FromHours(1)).AddTicks(4567);
        var headers = new Headers { { "h", [1] } };

        var message = new KafkaMessage<int>(42, "t", partition: 2, offset: 9, key: [7], headers: headers, timestamp: timestamp, attempt: 3, groupId: "g");

        Assert.Equal(42, message.Value);
        Assert.Equal("t", message.Topic);
        Assert.Equal(2, message.Partition);
        Assert.Equal(9, message.Offset);
        Assert.Equal([7], message.Key);
        Assert.Same(headers, message.Headers);
        Assert.Equal(timestamp, message.Timestamp);
        Assert.Equal(timestamp.Offset, message.Timestamp.Offset);
        Assert.Equal(3, message.Attempt);
        Assert.Equal("g", message.GroupId);
        Assert.Empty(new KafkaMessage<int>(1, "t").Headers);
    }

    private static ConsumeResult<byte[]?, byte[]?> Record(Headers? headers) => new()
    {
        Topic = "orders",
        Partition = 4,
        Offset = 17,
        Message = new Message<byte[]?, byte[]?>
        {
            Key = "k"u8.ToArray(),
            Value = [1],
            Headers = headers,
            Timestamp = new Timestamp(new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc)),
        },
    };
}
