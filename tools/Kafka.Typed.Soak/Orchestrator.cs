using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace Kafka.Typed.Soak;

/// <summary>One combination's run: a topic, a group of member processes, a producer, and the chaos between them.</summary>
internal sealed class Orchestrator
{
    private readonly SoakSettings _settings;
    private readonly BrokerProcess _broker;
    private readonly LineLog _log;
    private readonly LineLog _soakLog;
    private readonly Random _random;
    private readonly GroupProtocol _protocol;
    private readonly bool _async;
    private readonly string _topic;
    private readonly string _group;
    private readonly string _dir;
    private readonly MemberProcess?[] _slots;
    private readonly List<MemberProcess> _all = [];
    private readonly List<KillEvent> _kills = [];
    private readonly List<string> _faults = [];
    private readonly List<string> _unexpectedExits = [];
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private int _incarnations;

    // What the producer wrote: the partition and offset of each id (-1: not acknowledged).
    private readonly int[] _partitionOf;
    private readonly long[] _offsetOf;
    private long _acked;
    private long _failed;

    public Orchestrator(SoakSettings settings, BrokerProcess broker, LineLog log, GroupProtocol protocol, bool async, int index)
    {
        _settings = settings;
        _broker = broker;
        _soakLog = log;
        _protocol = protocol;
        _async = async;
        _random = new Random(settings.Seed + index);
        var name = $"{protocol.ToString().ToLowerInvariant()}-{(async ? "async" : "sync")}";
        _topic = $"soak-{name}";
        _group = $"soak-{name}-group";
        _dir = Path.Combine(settings.WorkDir, name);
        Directory.CreateDirectory(_dir);
        _log = new LineLog(Path.Combine(_dir, "run.log")); // The members', producer's and readers' lines.
        _slots = new MemberProcess?[settings.Members];
        _partitionOf = new int[settings.Messages];
        _offsetOf = new long[settings.Messages];
        Array.Fill(_offsetOf, -1);
    }

    public string Name => $"{_protocol.ToString().ToLowerInvariant()} / {(_async ? "async" : "sync")}";

    public async Task<RunResult> RunAsync(DateTime deadline)
    {
        await _broker.CommandAsync($"topic {_topic}:{_settings.Partitions}:3").ConfigureAwait(false);
        await _broker.CommandAsync($"topic {_topic}.dlq:1:3").ConfigureAwait(false);
        using var offsets = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = _group, // Only to read the group's committed offsets: it never subscribes, so it never joins.
            EnableAutoCommit = false,
        }).SetLogHandler((_, m) => _log.Write("offsets-reader", m.Message)).Build();
        var partitions = Enumerable.Range(0, _settings.Partitions).Select(p => new TopicPartition(_topic, p)).ToList();

        string? abort = null;
        try
        {
            for (var slot = 0; slot < _slots.Length; slot++)
            {
                StartMember(slot);
            }

            using var producing = new CancellationTokenSource();
            var produce = Task.Run(() => Produce(deadline, producing.Token));
            var chaos = ChaosAsync(produce, offsets, partitions, deadline);
            await Task.WhenAll(produce, chaos).ConfigureAwait(false);
            Say($"produced {Interlocked.Read(ref _acked)} acknowledged ({Interlocked.Read(ref _failed)} failed); {_kills.Count} kills, {_faults.Count} broker faults; draining");

            // Drain: every partition's committed offset reaches the end of its log (or the deadline passes). The end is
            // the brokers' high watermark, not the last acknowledgement: a batch the brokers wrote twice can lie beyond it.
            var ends = Watermarks(offsets, partitions).Select(w => w.High).ToArray();
            while (DateTime.UtcNow < deadline)
            {
                RestartExited();
                var committed = TryCommitted(offsets, partitions, TimeSpan.FromSeconds(5));
                if (committed is not null && Enumerable.Range(0, ends.Length).All(p => committed[p] >= ends[p]))
                {
                    break;
                }

                await Task.Delay(500).ConfigureAwait(false);
            }

            Say("stopping members gracefully");
            foreach (var member in _slots)
            {
                member?.RequestStop();
            }

            foreach (var member in _slots)
            {
                if (member is not null && !member.Process.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    _unexpectedExits.Add($"{member.Name} did not stop within 30 s of a graceful stop (then killed)");
                    member.Kill();
                }
                else if (member is not null && member.Process.ExitCode != 0)
                {
                    _unexpectedExits.Add($"{member.Name} exited {member.Process.ExitCode} on a graceful stop");
                }
            }
        }
#pragma warning disable CA1031 // A run that cannot go on is reported with what it had, not thrown past the others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            abort = ex.Message;
            Say($"aborted: {ex}");
        }
        finally
        {
            foreach (var member in _all)
            {
                member.Dispose();
            }
        }

        Say("checking");
        var watermarks = Watermarks(offsets, partitions);
        var result = Verifier.Verify(new RunFacts(
            Name, _topic, _settings, _partitionOf, _offsetOf, Interlocked.Read(ref _failed), _all.Select(m => (m.Name, m.OutFile)).ToList(),
            _kills, _faults, _unexpectedExits, abort, _watch.Elapsed,
            TryCommitted(offsets, partitions, TimeSpan.FromSeconds(30)) ?? [],
            watermarks,
            DeadLetters(offsets),
            ReadLog(watermarks),
            _log.RefusedCommits));
        foreach (var line in _faults.Concat(result.KillDetails))
        {
            _log.Write("soak", line);
        }

        _log.Dispose();
        return result;
    }

    private void Produce(DateTime deadline, CancellationToken cancellation)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 20,
            MessageTimeoutMs = 600_000, // Outages are short: nothing should fail; a failure is counted, not hidden.
            QueueBufferingMaxMessages = 200_000,
        }).SetLogHandler((_, m) => _log.Write("producer", m.Message)).Build();
        var perTick = Math.Max(1, _settings.Rate / 100);
        var tick = Stopwatch.StartNew();
        var sent = 0L;
        for (var id = 0; id < _settings.Messages && !cancellation.IsCancellationRequested && DateTime.UtcNow < deadline; id++)
        {
            var text = id.ToString(CultureInfo.InvariantCulture);
            var message = new Message<byte[], byte[]> { Key = Encoding.ASCII.GetBytes(text), Value = Encoding.ASCII.GetBytes(text) };
            var at = id;
            while (true)
            {
                try
                {
                    producer.Produce(_topic, message, report => Delivered(at, report));
                    break;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }

            // Pace: 1/100 of the rate every 10 ms.
            if (++sent % perTick == 0)
            {
                var due = TimeSpan.FromMilliseconds(10.0 * sent / perTick);
                var wait = due - tick.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(wait);
                }
            }
        }

        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0 && DateTime.UtcNow < deadline)
        {
        }
    }

    private void Delivered(int id, DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            _log.Write("producer", $"id {id} failed: {report.Error}");
            return;
        }

        _partitionOf[id] = report.Partition.Value;
        _offsetOf[id] = report.Offset.Value;
        Interlocked.Increment(ref _acked);
    }

    /// <summary>Kills, restarts and broker faults, one at a time, until production ends.</summary>
    private async Task ChaosAsync(Task produce, IConsumer<Ignore, Ignore> offsets, List<TopicPartition> partitions, DateTime deadline)
    {
        var lastReport = _watch.Elapsed;
        while (!produce.IsCompleted && DateTime.UtcNow < deadline)
        {
            var pause = TimeSpan.FromMilliseconds(_random.Next(_settings.ChaosMinMs, _settings.ChaosMaxMs + 1));
            await Task.WhenAny(produce, Task.Delay(pause)).ConfigureAwait(false);
            if (produce.IsCompleted)
            {
                break;
            }

            RestartExited();
            var roll = _random.NextDouble();
            if (roll < 0.6)
            {
                await KillOneAsync(offsets, partitions).ConfigureAwait(false);
            }
            else if (roll < 0.85)
            {
                var broker = _random.Next(1, 4);
                var down = _random.Next(1000, 3001);
                await _broker.CommandAsync($"down {broker}").ConfigureAwait(false);
                await Task.Delay(down).ConfigureAwait(false);
                await _broker.CommandAsync($"up {broker}").ConfigureAwait(false);
                _faults.Add($"{_watch.Elapsed.TotalSeconds:0.0}s broker {broker} down {down} ms");
            }
            else
            {
                var down = _random.Next(1500, 2501);
                await _broker.CommandAsync("down all").ConfigureAwait(false);
                await Task.Delay(down).ConfigureAwait(false);
                await _broker.CommandAsync("up all").ConfigureAwait(false);
                _faults.Add($"{_watch.Elapsed.TotalSeconds:0.0}s all brokers down {down} ms");
            }

            if (_watch.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = _watch.Elapsed;
                Say($"acknowledged {Interlocked.Read(ref _acked)}/{_settings.Messages}, {_kills.Count} kills, {_faults.Count} broker faults");
            }
        }
    }

    private async Task KillOneAsync(IConsumer<Ignore, Ignore> offsets, List<TopicPartition> partitions)
    {
        var slot = _random.Next(_slots.Length);
        var victim = _slots[slot];
        if (victim is null || victim.Process.HasExited)
        {
            return;
        }

        // Give the member time to have joined and handled something since it started (a kill before that proves little).
        if (TimeSpan.FromSeconds(2) - victim.Age is { Ticks: > 0 } wait)
        {
            await Task.Delay(wait).ConfigureAwait(false);
        }

        victim.Kill();
        var killedAt = _watch.Elapsed;

        // Its partitions keep their committed offsets until the group gives them to another member (a session timeout
        // later): what it handled at or above these offsets is what can be handled again because of this kill.
        var snapshotWatch = Stopwatch.StartNew();
        long[]? committed = null;
        while (committed is null && snapshotWatch.Elapsed < TimeSpan.FromSeconds(10))
        {
            committed = TryCommitted(offsets, partitions, TimeSpan.FromSeconds(2));
        }

        _kills.Add(new KillEvent(victim.Name, killedAt, DateTime.UtcNow.Ticks, committed, snapshotWatch.Elapsed));
        await Task.Delay(_random.Next(0, 2001)).ConfigureAwait(false);
        StartMember(slot);
    }

    private void RestartExited()
    {
        for (var slot = 0; slot < _slots.Length; slot++)
        {
            if (_slots[slot] is { Process.HasExited: true, Killed: false, Stopping: false } exited)
            {
                _unexpectedExits.Add($"{exited.Name} exited by itself with code {exited.Process.ExitCode} at {_watch.Elapsed.TotalSeconds:0.0}s (see the run log)");
                StartMember(slot);
            }
        }
    }

    private void StartMember(int slot)
    {
        var name = $"m{slot}.{++_incarnations}";
        var settings = new MemberSettings(_broker.BootstrapServers, _topic, _group, _protocol, _async, _settings.Parallelism,
            _settings.PoisonEvery, _settings.CommitIntervalMs, Path.Combine(_dir, name + ".handled"), _settings.LoseEvery);
        var member = MemberProcess.Start(name, slot, settings, _log);
        _slots[slot] = member;
        _all.Add(member);
    }

    private long[]? TryCommitted(IConsumer<Ignore, Ignore> offsets, List<TopicPartition> partitions, TimeSpan timeout)
    {
        try
        {
            var result = new long[partitions.Count];
            foreach (var c in offsets.Committed(partitions, timeout))
            {
                result[c.Partition.Value] = c.Offset.Value < 0 ? 0 : c.Offset.Value; // No commit yet: nothing is done.
            }

            return result;
        }
        catch (KafkaException ex)
        {
            _log.Write("offsets-reader", $"committed offsets not read: {ex.Error}");
            return null;
        }
    }

    private (long Low, long High)[] Watermarks(IConsumer<Ignore, Ignore> offsets, List<TopicPartition> partitions) =>
        partitions.Select(p =>
        {
            var w = offsets.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(30));
            return (w.Low.Value, w.High.Value);
        }).ToArray();

    /// <summary>The whole topic read back from the brokers: the id at each offset of each partition (-1 where none was read).</summary>
    private long[][] ReadLog((long Low, long High)[] watermarks)
    {
        var log = watermarks.Select(w => new long[w.High]).ToArray();
        foreach (var ids in log)
        {
            Array.Fill(ids, -1);
        }

        using var reader = new ConsumerBuilder<Ignore, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = _group + "-log-reader",
            EnableAutoCommit = false,
        }).SetLogHandler((_, m) => _log.Write("log-reader", m.Message)).Build();
        reader.Assign(watermarks.Select((w, p) => new TopicPartitionOffset(_topic, p, w.Low)).Where((_, p) => watermarks[p].High > watermarks[p].Low));
        var left = watermarks.Sum(w => w.High - w.Low);
        var until = DateTime.UtcNow.AddMinutes(2);
        while (left > 0 && DateTime.UtcNow < until)
        {
            var record = reader.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message is null)
            {
                continue;
            }

            var ids = log[record.Partition.Value];
            if (record.Offset.Value < ids.Length && ids[record.Offset.Value] < 0)
            {
                ids[record.Offset.Value] = long.Parse(Encoding.ASCII.GetString(record.Message.Value ?? []), CultureInfo.InvariantCulture);
                left--;
            }
        }

        reader.Close();
        return log;
    }

    /// <summary>Every record of the dead-letter topic: its value (the id) and the original partition and offset it names.</summary>
    private List<DeadLetter> DeadLetters(IConsumer<Ignore, Ignore> offsets)
    {
        var dlq = new TopicPartition(_topic + ".dlq", 0);
        var high = offsets.QueryWatermarkOffsets(dlq, TimeSpan.FromSeconds(30)).High.Value;
        var letters = new List<DeadLetter>();
        if (high <= 0)
        {
            return letters;
        }

        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = _group + "-dlq-reader",
            EnableAutoCommit = false,
        }).SetLogHandler((_, m) => _log.Write("dlq-reader", m.Message)).Build();
        reader.Assign(new TopicPartitionOffset(dlq, Offset.Beginning));
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            var record = reader.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message is null)
            {
                continue;
            }

            letters.Add(new DeadLetter(
                long.Parse(Encoding.ASCII.GetString(record.Message.Value ?? []), CultureInfo.InvariantCulture),
                int.Parse(Header(record, DeadLetterHeaders.OriginalPartition), CultureInfo.InvariantCulture),
                long.Parse(Header(record, DeadLetterHeaders.OriginalOffset), CultureInfo.InvariantCulture)));
            if (record.Offset.Value >= high - 1)
            {
                break;
            }
        }

        reader.Close();
        return letters;

        static string Header(ConsumeResult<byte[]?, byte[]?> record, string name) =>
            record.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : "-1";
    }

    private void Say(string text)
    {
        var line = $"[{DateTime.UtcNow:HH:mm:ss}] {Name}: {text}";
        Console.WriteLine(line);
        _log.Write("soak", text);
        _soakLog.Write("soak", $"{Name}: {text}");
    }
}

internal sealed record KillEvent(string Member, TimeSpan At, long UtcTicks, long[]? CommittedAfter, TimeSpan SnapshotTook);

internal readonly record struct DeadLetter(long Id, int Partition, long Offset);
