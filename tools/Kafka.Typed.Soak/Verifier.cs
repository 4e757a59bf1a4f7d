using System.Globalization;

namespace Kafka.Typed.Soak;

internal sealed record RunFacts(
    string Name,
    string Topic,
    SoakSettings Settings,
    int[] PartitionOf,
    long[] OffsetOf,
    long ProduceFailed,
    List<(string Name, string File)> Members,
    List<KillEvent> Kills,
    List<string> Faults,
    List<string> UnexpectedExits,
    string? Abort,
    TimeSpan Elapsed,
    long[] Committed,
    (long Low, long High)[] Watermarks,
    List<DeadLetter> DeadLetters,
    long[][] Log,
    int RefusedCommits);

/// <summary>The figures of one run, and whether it met the targets.</summary>
internal sealed record RunResult(
    string Name,
    long Produced,
    long ProduceFailed,
    long Done,
    long NotDone,
    long Lost,
    long Handled,
    long Duplicates,
    long KillBound,
    long DuplicatesAfterKills,
    long DuplicatesOther,
    int Kills,
    int KillsWithoutSnapshot,
    TimeSpan SlowestSnapshot,
    int BrokerFaults,
    long Poison,
    long DeadLettered,
    long DeadLetterDuplicates,
    long Mismatches,
    long RetentionDropped,
    long WrittenTwice,
    int RefusedCommits,
    List<string> KillDetails,
    List<string> Problems,
    TimeSpan Elapsed)
{
    /// <summary>At-least-once held: every committed message was handled or dead-lettered, and everything was committed.</summary>
    public bool NothingLost => Lost == 0 && NotDone == 0 && Mismatches == 0 && RetentionDropped == 0 && DeadLettered == Poison && ProduceFailed == 0 && Problems.Count == 0;

    public bool WithinBound => Duplicates <= KillBound;
}

internal static class Verifier
{
    private static long Key(int partition, long offset) => ((long)partition << 40) | offset;

    public static RunResult Verify(RunFacts facts)
    {
        var problems = new List<string>();
        if (facts.Abort is not null)
        {
            problems.Add($"aborted: {facts.Abort}");
        }

        problems.AddRange(facts.UnexpectedExits);
        var partitions = facts.Settings.Partitions;
        var poisonEvery = facts.Settings.PoisonEvery;

        // The log as the brokers hold it (read back from offset 0): the id at each (partition, offset). Every
        // acknowledged id must be where its acknowledgement said; a record the producer was not told about is a retried
        // batch written twice (librdkafka's mock checks sequence numbers only for transactional producers, so it does
        // not deduplicate an idempotent producer's retry the way a Kafka broker does). Such a record is a message of
        // its own here: handling it is not a duplicate, not handling it below the committed offset is a loss.
        var idAt = facts.Log;
        var produced = 0L;
        var writtenTwice = 0L;
        var acknowledgedAt = new HashSet<long>();
        for (var id = 0; id < facts.OffsetOf.Length; id++)
        {
            if (facts.OffsetOf[id] < 0)
            {
                continue;
            }

            produced++;
            var (p, o) = (facts.PartitionOf[id], facts.OffsetOf[id]);
            acknowledgedAt.Add(Key(p, o));
            if (p >= idAt.Length || o >= idAt[p].Length || idAt[p][o] != id)
            {
                problems.Add($"LOST BY THE BROKERS: id {id} was acknowledged at partition {p} offset {o}, but the log holds {(p < idAt.Length && o < idAt[p].Length ? idAt[p][o].ToString(CultureInfo.InvariantCulture) : "nothing")} there");
            }
        }

        for (var p = 0; p < idAt.Length; p++)
        {
            for (var o = 0L; o < idAt[p].Length; o++)
            {
                if (idAt[p][o] >= 0 && !acknowledgedAt.Contains(Key(p, o)))
                {
                    writtenTwice++;
                }
            }
        }

        var retentionDropped = 0L;
        for (var p = 0; p < partitions && p < facts.Watermarks.Length; p++)
        {
            retentionDropped += facts.Watermarks[p].Low;
            if (facts.Watermarks[p].High != idAt[p].Length)
            {
                problems.Add($"partition {p}: high watermark {facts.Watermarks[p].High}, but {idAt[p].Length} records were read back");
            }
        }

        if (facts.Watermarks.Length != partitions || idAt.Length != partitions)
        {
            problems.Add("the watermarks or the log could not be read");
        }

        // Every handling, and who did it.
        var handlings = new List<Handling>();
        var mismatches = 0L;
        for (var m = 0; m < facts.Members.Count; m++)
        {
            foreach (var r in HandledLog.Read(facts.Members[m].File))
            {
                if (r.Partition < 0 || r.Partition >= partitions || r.Offset < 0 || r.Offset >= idAt[r.Partition].Length || idAt[r.Partition][r.Offset] != r.Id)
                {
                    mismatches++;
                    if (mismatches <= 5)
                    {
                        problems.Add($"{facts.Members[m].Name} handled id {r.Id} at partition {r.Partition} offset {r.Offset}, where the log holds another id");
                    }

                    continue;
                }

                handlings.Add(new Handling(r.Id, r.Ticks, m, r.Offset, r.Partition));
            }
        }

        // The bound: for each kill, what the killed member had handled and not committed on the partitions it still
        // held. "Not committed": at or above the partition's committed offset read right after the kill (nobody else can
        // commit those partitions until the group gives them away, a session timeout later). "Still held": nobody else
        // handled anything of that partition after it, before the kill (what it handled on a partition it had already
        // handed over, its commit refused, is a hand-over's replay, not the kill's).
        var inFlightAtKill = new bool[handlings.Count];
        var killBound = 0L;
        var killDetails = new List<string>();
        var memberIndex = facts.Members.Select((m, i) => (m.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        foreach (var kill in facts.Kills)
        {
            var killed = memberIndex[kill.Member];
            var lastOther = new long[partitions];
            for (var i = 0; i < handlings.Count; i++)
            {
                var h = handlings[i];
                if (h.Member != killed && h.Ticks <= kill.UtcTicks && h.Ticks > lastOther[h.Partition])
                {
                    lastOther[h.Partition] = h.Ticks;
                }
            }

            long handled = 0, uncommitted = 0, handedOver = 0, oldest = long.MaxValue;
            for (var i = 0; i < handlings.Count; i++)
            {
                var h = handlings[i];
                if (h.Member != killed)
                {
                    continue;
                }

                handled++;
                if (kill.CommittedAfter is null || h.Offset >= kill.CommittedAfter[h.Partition])
                {
                    if (kill.CommittedAfter is not null && h.Ticks <= lastOther[h.Partition])
                    {
                        handedOver++;
                        continue;
                    }

                    inFlightAtKill[i] = true; // Without a snapshot, everything it handled counts.
                    uncommitted++;
                    oldest = Math.Min(oldest, h.Ticks);
                }
            }

            killBound += uncommitted;
            var age = oldest == long.MaxValue ? "-" : $"{TimeSpan.FromTicks(kill.UtcTicks - oldest).TotalSeconds:0.00} s";
            killDetails.Add($"{kill.At.TotalSeconds,7:0.0}s kill {kill.Member}: {handled} handled, {uncommitted} not committed (the oldest handled {age} before the kill)" +
                $"{(handedOver > 0 ? $", {handedOver} more not committed on partitions it had handed over" : "")}; " +
                (kill.CommittedAfter is null ? "NO offsets snapshot" : $"snapshot took {kill.SnapshotTook.TotalMilliseconds:0} ms"));
        }

        // Duplicates, each put down to the handling before it: one a kill cut short, or another (a hand-over).
        var order = Enumerable.Range(0, handlings.Count).ToArray();
        var keys = handlings.Select(h => Key(h.Partition, h.Offset)).ToArray();
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : handlings[a].Ticks.CompareTo(handlings[b].Ticks));
        var handledKeys = new HashSet<long>();
        var duplicates = 0L;
        var afterKills = 0L;
        for (var k = 0; k < order.Length; k++)
        {
            if (!handledKeys.Add(keys[order[k]]))
            {
                duplicates++;
                if (inFlightAtKill[order[k - 1]])
                {
                    afterKills++;
                }
            }
        }

        // Done = committed. Every record below its partition's committed offset must have been handled, or be a poison
        // message found in the dead-letter topic.
        var deadLettered = new HashSet<long>();
        foreach (var letter in facts.DeadLetters)
        {
            if (letter.Id % poisonEvery != 0)
            {
                problems.Add($"id {letter.Id} (partition {letter.Partition} offset {letter.Offset}) was dead-lettered but is not a poison message");
            }
            else if (letter.Partition < 0 || letter.Partition >= partitions || letter.Offset < 0 || letter.Offset >= idAt[letter.Partition].Length || idAt[letter.Partition][letter.Offset] != letter.Id)
            {
                problems.Add($"dead letter of id {letter.Id} names partition {letter.Partition} offset {letter.Offset}, where the log holds another id");
            }
            else
            {
                deadLettered.Add(Key(letter.Partition, letter.Offset));
            }
        }

        long done = 0, notDone = 0, lost = 0, poison = 0;
        for (var p = 0; p < partitions; p++)
        {
            var committed = p < facts.Committed.Length ? facts.Committed[p] : 0;
            for (var offset = 0L; offset < idAt[p].Length; offset++)
            {
                var id = idAt[p][offset];
                if (id < 0)
                {
                    continue;
                }

                var isPoison = id % poisonEvery == 0;
                poison += isPoison ? 1 : 0;
                if (offset >= committed)
                {
                    notDone++;
                    continue;
                }

                done++;
                if (!(isPoison ? deadLettered : handledKeys).Contains(Key(p, offset)))
                {
                    lost++;
                    if (lost <= 10)
                    {
                        problems.Add($"LOST: id {id} at partition {p} offset {offset} is below the committed offset {committed} but was {(isPoison ? "not dead-lettered" : "never handled")}");
                    }
                }
            }
        }

        return new RunResult(
            facts.Name, produced, facts.ProduceFailed, done, notDone, lost, handlings.Count, duplicates, killBound, afterKills, duplicates - afterKills,
            facts.Kills.Count, facts.Kills.Count(k => k.CommittedAfter is null),
            facts.Kills.Count == 0 ? TimeSpan.Zero : facts.Kills.Max(k => k.SnapshotTook),
            facts.Faults.Count, poison, deadLettered.Count, facts.DeadLetters.Count - deadLettered.Count,
            mismatches, retentionDropped, writtenTwice, facts.RefusedCommits, killDetails, problems, facts.Elapsed);
    }
}

internal readonly record struct Handling(long Id, long Ticks, int Member, long Offset, int Partition);
