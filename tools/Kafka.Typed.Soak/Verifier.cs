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

        // The id at each (partition, offset), from the producer's acknowledgements.
        var ends = new long[partitions];
        var produced = 0L;
        for (var id = 0; id < facts.OffsetOf.Length; id++)
        {
            if (facts.OffsetOf[id] >= 0)
            {
                produced++;
                ends[facts.PartitionOf[id]] = Math.Max(ends[facts.PartitionOf[id]], facts.OffsetOf[id] + 1);
            }
        }

        var idAt = new long[partitions][];
        for (var p = 0; p < partitions; p++)
        {
            idAt[p] = new long[ends[p]];
            Array.Fill(idAt[p], -1);
        }

        for (var id = 0; id < facts.OffsetOf.Length; id++)
        {
            if (facts.OffsetOf[id] >= 0)
            {
                idAt[facts.PartitionOf[id]][facts.OffsetOf[id]] = id;
            }
        }

        var retentionDropped = 0L;
        for (var p = 0; p < partitions && p < facts.Watermarks.Length; p++)
        {
            retentionDropped += facts.Watermarks[p].Low;
            if (facts.Watermarks[p].High != ends[p])
            {
                problems.Add($"partition {p}: high watermark {facts.Watermarks[p].High}, but the producer's acknowledgements end at {ends[p]}");
            }
        }

        if (facts.Watermarks.Length != partitions)
        {
            problems.Add("the watermarks could not be read");
        }

        // Every handling, in time order per id, and who did it.
        var kills = facts.Kills.ToDictionary(k => k.Member, StringComparer.Ordinal);
        var handlings = new List<(long Id, long Ticks, int Member, long Offset, int Partition)>();
        var mismatches = 0L;
        var killBound = 0L;
        var killDetails = new List<string>();
        for (var m = 0; m < facts.Members.Count; m++)
        {
            var records = HandledLog.Read(facts.Members[m].File);
            kills.TryGetValue(facts.Members[m].Name, out var kill);
            var boundBefore = killBound;
            var oldestUncommitted = long.MaxValue;
            foreach (var r in records)
            {
                if (r.Partition < 0 || r.Partition >= partitions || r.Offset < 0 || r.Offset >= idAt[r.Partition].Length || idAt[r.Partition][r.Offset] != r.Id)
                {
                    mismatches++;
                    if (mismatches <= 5)
                    {
                        problems.Add($"{facts.Members[m].Name} handled id {r.Id} at partition {r.Partition} offset {r.Offset}, where the producer wrote another id");
                    }

                    continue;
                }

                handlings.Add((r.Id, r.Ticks, m, r.Offset, r.Partition));
                if (kill?.CommittedAfter is { } committed && r.Offset >= committed[r.Partition])
                {
                    killBound++; // Handled, not committed when it was killed.
                    oldestUncommitted = Math.Min(oldestUncommitted, r.Ticks);
                }
            }

            if (kill is { CommittedAfter: null })
            {
                killBound += records.Count; // No snapshot: everything it handled may come again.
            }

            if (kill is not null)
            {
                var age = oldestUncommitted == long.MaxValue ? "-" : $"{TimeSpan.FromTicks(kill.UtcTicks - oldestUncommitted).TotalSeconds:0.00} s";
                killDetails.Add($"{kill.At.TotalSeconds,7:0.0}s kill {kill.Member}: {records.Count} handled, {killBound - boundBefore} of them not committed (the oldest handled {age} before the kill); snapshot took {kill.SnapshotTook.TotalMilliseconds:0} ms");
            }
        }

        handlings.Sort((a, b) => a.Id != b.Id ? a.Id.CompareTo(b.Id) : a.Ticks.CompareTo(b.Ticks));
        var handledIds = new HashSet<long>();
        var duplicates = 0L;
        var afterKills = 0L;
        for (var i = 0; i < handlings.Count; i++)
        {
            var h = handlings[i];
            if (!handledIds.Add(h.Id))
            {
                duplicates++;
                // The previous handling of this id: by a member that was killed before committing it?
                var previous = handlings[i - 1];
                if (kills.TryGetValue(facts.Members[previous.Member].Name, out var kill) &&
                    (kill.CommittedAfter is null || previous.Offset >= kill.CommittedAfter[previous.Partition]))
                {
                    afterKills++;
                }
            }
        }

        // Done = committed. Every id below its partition's committed offset must have been handled, or be a poison
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
                problems.Add($"dead letter of id {letter.Id} names partition {letter.Partition} offset {letter.Offset}, where the producer wrote another id");
            }
            else
            {
                deadLettered.Add(letter.Id);
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
                if (isPoison ? !deadLettered.Contains(id) : !handledIds.Contains(id))
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
            mismatches, retentionDropped, facts.RefusedCommits, killDetails.Order(StringComparer.Ordinal).ToList(), problems, facts.Elapsed);
    }
}
