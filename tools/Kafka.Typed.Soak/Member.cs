using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed.Soak;

/// <summary>
/// <c>member</c> mode: one consumer group member in its own process. Every message its handler finishes is appended
/// to a file (partition, offset, id, time) and handed to the kernel before the handler returns, so a record is in the
/// file whenever its offset can have been stored, even if the process is SIGKILLed the next instant. It stops
/// gracefully (drain, commit, leave) on SIGTERM or when stdin ends (the orchestrator closed it or died).
/// </summary>
internal static class Member
{
    public static async Task<int> RunAsync(MemberSettings settings)
    {
        using var loggerFactory = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Information) // Assignments and revocations too: a duplicate's cause is then in the run log.
            .AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; })
            .AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace));
        using var log = new HandledLog(settings.OutFile);
        using var stop = new CancellationTokenSource();
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        _ = Task.Run(() =>
        {
            // The orchestrator holds our stdin: its end (a close, or the orchestrator's death) means stop.
            while (Console.In.ReadLine() is not null)
            {
            }

            stop.Cancel();
        });

        // Bounded in time even when the brokers are gone (a consumer's close then waits for them): a stop that has not
        // finished in 45 s ends the process.
        stop.Token.Register(() => _ = Task.Delay(TimeSpan.FromSeconds(45), CancellationToken.None).ContinueWith(_ =>
        {
            Console.Error.WriteLine("member: not stopped 45 s after the stop request; exiting");
            Environment.Exit(4);
        }, TaskScheduler.Default));

        var settingsMap = new Dictionary<string, string>();
        TimeSpan? session = null, heartbeat = null;
        switch (settings.Protocol)
        {
            case GroupProtocol.Eager:
                settingsMap["partition.assignment.strategy"] = "roundrobin";
                (session, heartbeat) = (TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500));
                break;
            case GroupProtocol.Cooperative:
                settingsMap["partition.assignment.strategy"] = "cooperative-sticky";
                (session, heartbeat) = (TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500));
                break;
            default:
                settingsMap["group.protocol"] = "consumer"; // Session and heartbeat come from the brokers (serve's options).
                break;
        }

        var options = new ConsumerOptions
        {
            GroupId = settings.Group,
            MaxRetries = 1,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
            FailurePolicy = FailurePolicy.DeadLetter,
            DeadLetterTopic = settings.Topic + ".dlq",
            MaxDegreeOfParallelism = settings.Parallelism,
            CommitInterval = TimeSpan.FromMilliseconds(settings.CommitIntervalMs),
            ShutdownTimeout = TimeSpan.FromSeconds(10),
            SessionTimeout = session,
            HeartbeatInterval = heartbeat,
            Settings = settingsMap,
        };
        var poisonEvery = settings.PoisonEvery;
        var loseEvery = settings.LoseEvery;
        MessageHandler handler = settings.Async
            ? async (message, ct) =>
            {
                var id = ParseId(message);
                if (id % poisonEvery == 0)
                {
                    throw new InvalidOperationException($"poison message {id}");
                }

                // Some work that really yields: one message in 64 waits a timer, the others hop threads.
                if ((id & 63) == 0)
                {
                    await Task.Delay(1, ct).ConfigureAwait(false);
                }
                else
                {
                    await Task.Yield();
                }

                if (loseEvery == 0 || id % loseEvery != 1)
                {
                    log.Append(message.Partition, message.Offset, id);
                }
            }
            : (message, _) =>
            {
                var id = ParseId(message);
                if (id % poisonEvery == 0)
                {
                    throw new InvalidOperationException($"poison message {id}");
                }

                if ((id & 63) == 0)
                {
                    Thread.SpinWait(2000); // Some synchronous work.
                }

                if (loseEvery == 0 || id % loseEvery != 1)
                {
                    log.Append(message.Partition, message.Offset, id);
                }

                return Task.CompletedTask;
            };

        var app = new KafkaAppConfig("soak", "member", settings.Bootstrap);
        var group = new ConsumerGroup(app, [settings.Topic], handler, options, loggerFactory);
        try
        {
            await group.ConsumeAsync(stop.Token).ConfigureAwait(false);
        }
        catch (KafkaConsumerException ex)
        {
            await Console.Error.WriteLineAsync($"member: consuming failed: {ex}").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }

    private static long ParseId(ConsumerMessage message) =>
        message.Value is { } value && Utf8Parser.TryParse(value, out long id, out var used) && used == value.Length
            ? id
            : throw new FormatException($"{message} does not hold a soak id");
}

/// <summary>The handled-records file: fixed 28-byte records, each written to the kernel before the handler returns.</summary>
internal sealed class HandledLog : IDisposable
{
    public const int RecordSize = 28;

    private readonly FileStream _file;
    private readonly Lock _gate = new();

    public HandledLog(string path)
    {
        // No user-space buffer: each Write is one write(2), so what a handler appended survives a SIGKILL.
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public void Append(int partition, long offset, long id)
    {
        Span<byte> record = stackalloc byte[RecordSize];
        BinaryPrimitives.WriteInt32LittleEndian(record, partition);
        BinaryPrimitives.WriteInt64LittleEndian(record[4..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(record[12..], id);
        BinaryPrimitives.WriteInt64LittleEndian(record[20..], DateTime.UtcNow.Ticks);
        lock (_gate)
        {
            _file.Write(record);
        }
    }

    public void Dispose() => _file.Dispose();

    /// <summary>Reads every whole record (a torn last record, from a kill mid-write, is not one: its handler never returned).</summary>
    public static List<HandledRecord> Read(string path)
    {
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        var records = new List<HandledRecord>(bytes.Length / RecordSize);
        for (var at = 0; at + RecordSize <= bytes.Length; at += RecordSize)
        {
            var r = bytes.AsSpan(at, RecordSize);
            records.Add(new HandledRecord(
                BinaryPrimitives.ReadInt32LittleEndian(r),
                BinaryPrimitives.ReadInt64LittleEndian(r[4..]),
                BinaryPrimitives.ReadInt64LittleEndian(r[12..]),
                BinaryPrimitives.ReadInt64LittleEndian(r[20..])));
        }

        return records;
    }
}

[StructLayout(LayoutKind.Auto)]
internal readonly record struct HandledRecord(int Partition, long Offset, long Id, long Ticks);

internal enum GroupProtocol
{
    Eager,
    Cooperative,
    Consumer,
}

// LoseEvery, a self-test: ids with id % LoseEvery == 1 are acknowledged without being recorded (a handler that
// "succeeds" without doing its work), so the soak must report them lost; 0 for none.
internal sealed record MemberSettings(string Bootstrap, string Topic, string Group, GroupProtocol Protocol, bool Async, int Parallelism, long PoisonEvery, int CommitIntervalMs, string OutFile, long LoseEvery);
