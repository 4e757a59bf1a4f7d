using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Reliability;

/// <summary>
/// Record batches the client cannot read (issue 9 suspicion: "a corrupt batch is skipped and committed past, only
/// logged"). librdkafka reports such a batch as a consumer error at the batch's first offset; after a CRC failure
/// (<c>check.crcs=true</c>) it skips the batch, misreads what follows (librdkafka 2.16) and loses its place; after a
/// decompression failure it fetches the same batch again. Either way the records must stop the partition, never vanish.
/// </summary>
public sealed class UnreadableBatchTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unreadable_batch_stops_its_partition_visibly_and_nothing_at_or_after_it_is_handled_or_committed(bool badCrc)
    {
        // A batch with a wrong CRC (read with check.crcs=true) or compressed bytes no gzip reader accepts, between two good
        // records. Before, the consumer logged a warning per fetch and went on: with a failed CRC check librdkafka 2.16
        // misreads the rest of the response, jumps to a bogus offset, resets to the earliest offset and delivers the first
        // record again and again; a decompression failure is fetched again for ever. Nothing told an operator.
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { BrokerCount = 1 });
        var topic = badCrc ? "bad-crc" : "bad-gzip";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("before")) { Partition = 0 });         // offset 0
        }

        await RawBatch.ProduceAsync(cluster, topic, 0, badCrc ? RawBatch.Uncompressed(3, badCrc: true) : RawBatch.GarbageGzip(3)); // offsets 1..3
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("after")) { Partition = 0 });          // offset 4
        }

        var handled = new System.Collections.Concurrent.ConcurrentQueue<long>();
        var logs = new CapturingLoggerFactory();
        var settings = badCrc ? new Dictionary<string, string> { ["check.crcs"] = "true" } : null;
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            handled.Enqueue(m.Offset);
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions { GroupId = topic, Settings = settings }), logs);

        using (var cts = new CancellationTokenSource())
        {
            var run = group.ConsumeAsync(cts.Token);
            try
            {
                await Kit.WaitUntilAsync(() => group.GetStatus().Partitions.FirstOrDefault()?.Stall == PartitionStall.Unreadable, "the partition shows as stopped on an unreadable batch");
                var stalled = group.GetStatus().Partitions[0];
                Assert.Equal(1, stalled.StalledOffset);
                Assert.Contains(badCrc ? "Local_BadMsg" : "Local_BadCompression", stalled.StallReason, StringComparison.Ordinal);
                await Task.Delay(2000); // librdkafka would fetch the batch again (or reset and start over) several times meanwhile
                Assert.Equal(PartitionStall.Unreadable, group.GetStatus().Partitions[0].Stall);
            }
            finally
            {
                await cts.CancelAsync();
                await run.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        Assert.Equal([0L], handled.ToArray());
        Assert.Equal(0, group.DeadLetterCount);
        var line = Assert.Single(logs.Lines, l => l.StartsWith("Error:", StringComparison.Ordinal) && l.Contains("Cannot read the record batch", StringComparison.Ordinal));
        Assert.Contains($"{topic} [0] at offset 1", line, StringComparison.Ordinal);

        // Nothing at or past the batch was committed: the group resumes at offset 1.
        Assert.Equal(1, Kit.Committed(cluster, topic, topic));
    }

    /// <summary>Writes a raw record batch with a Produce request (v3) to a one-broker embedded cluster, bypassing every client-side check.</summary>
    private static class RawBatch
    {
        /// <summary>An uncompressed batch of <paramref name="count"/> records, with a wrong CRC when <paramref name="badCrc"/>.</summary>
        public static byte[] Uncompressed(int count, bool badCrc)
        {
            var records = new List<byte>();
            for (var i = 0; i < count; i++)
            {
                var body = new List<byte> { 0 };           // attributes
                Varint(body, 0);                             // timestamp delta
                Varint(body, i);                             // offset delta
                Varint(body, -1);                            // null key
                var value = Encoding.ASCII.GetBytes($"corrupt-{i}");
                Varint(body, value.Length);
                body.AddRange(value);
                Varint(body, 0);                             // no headers
                Varint(records, body.Count);
                records.AddRange(body);
            }

            return Batch(attributes: 0, count, records.ToArray(), badCrc ? 0xDEADBEEF : null);
        }

        /// <summary>A batch that says it holds <paramref name="count"/> gzip-compressed records but holds bytes no gzip reader accepts.</summary>
        public static byte[] GarbageGzip(int count) => Batch(attributes: 1, count, Encoding.ASCII.GetBytes("this is not gzip data at all, sorry"), crc: null);

        public static async Task ProduceAsync(EmbeddedKafkaCluster cluster, string topic, int partition, byte[] batch)
        {
            var address = cluster.BootstrapServers.Split(',')[0];
            var colon = address.LastIndexOf(':');
            using var client = new TcpClient();
            await client.ConnectAsync(address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            var stream = client.GetStream();

            var body = new List<byte>();
            I16(body, 0);                                    // Produce
            I16(body, 3);                                    // version 3
            I32(body, 1);                                    // correlation id
            Str(body, "raw-batch");
            I16(body, -1);                                   // no transactional id
            I16(body, 1);                                    // acks
            I32(body, 10_000);                               // timeout
            I32(body, 1);                                    // one topic
            Str(body, topic);
            I32(body, 1);                                    // one partition
            I32(body, partition);
            I32(body, batch.Length);
            body.AddRange(batch);
            var request = new List<byte>();
            I32(request, body.Count);
            request.AddRange(body);
            await stream.WriteAsync(request.ToArray());

            var sizeBytes = new byte[4];
            await stream.ReadExactlyAsync(sizeBytes);
            var response = new byte[BinaryPrimitives.ReadInt32BigEndian(sizeBytes)];
            await stream.ReadExactlyAsync(response);

            // correlation id, topics count, topic name, partitions count, partition index, error code
            var at = 4 + 4;
            at += 2 + BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(at));
            at += 4 + 4;
            var error = BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(at));
            Assert.True(error == 0, $"the embedded broker refused the raw batch: error {error}");
        }

        private static byte[] Batch(short attributes, int count, byte[] records, uint? crc)
        {
            var afterCrc = new List<byte>();
            I16(afterCrc, attributes);
            I32(afterCrc, count - 1);                        // last offset delta
            I64(afterCrc, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            I64(afterCrc, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            I64(afterCrc, -1);                               // producer id
            I16(afterCrc, -1);                               // producer epoch
            I32(afterCrc, -1);                               // base sequence
            I32(afterCrc, count);
            afterCrc.AddRange(records);
            var payload = afterCrc.ToArray();

            var batch = new List<byte>();
            I64(batch, 0);                                   // base offset (the broker assigns it)
            I32(batch, 4 + 1 + 4 + payload.Length);          // length after this field
            I32(batch, 0);                                   // partition leader epoch
            batch.Add(2);                                    // magic
            var crcBytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc ?? Crc32C(payload));
            batch.AddRange(crcBytes);
            batch.AddRange(payload);
            return batch.ToArray();
        }

        private static uint Crc32C(byte[] data)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in data)
            {
                crc ^= b;
                for (var k = 0; k < 8; k++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
                }
            }

            return ~crc;
        }

        private static void Varint(List<byte> to, long value)
        {
            var v = (ulong)((value << 1) ^ (value >> 63));
            while (v >= 0x80)
            {
                to.Add((byte)(v | 0x80));
                v >>= 7;
            }

            to.Add((byte)v);
        }

        private static void I16(List<byte> to, short v)
        {
            var b = new byte[2];
            BinaryPrimitives.WriteInt16BigEndian(b, v);
            to.AddRange(b);
        }

        private static void I32(List<byte> to, int v)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, v);
            to.AddRange(b);
        }

        private static void I64(List<byte> to, long v)
        {
            var b = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(b, v);
            to.AddRange(b);
        }

        private static void Str(List<byte> to, string s)
        {
            I16(to, (short)s.Length);
            to.AddRange(Encoding.UTF8.GetBytes(s));
        }
    }
}
