// Soak: consumer group members as separate processes, SIGKILLed at random and restarted, against the embedded broker
// run by the serve tool in its own process (brokers taken down and up through its control channel), for each group
// protocol and handler mode. A message counts as done only once its offset is committed: at the end the group's
// committed offsets are read from the brokers and every id below them must be in a member's handled file (written
// before the handler returned) or, for a poison message, in the dead-letter topic. Duplicates are counted and set
// against what the killed members had handled but not committed when they were killed.
//
//   dotnet run -c Release --project tools/Kafka.Typed.Soak -- --messages 30000
//
// Exit code 0: nothing lost and duplicates within the bound in every run; 1: something lost (or not committed, or
// corrupt); 3: nothing lost, but more duplicates than the bound; 2: bad arguments.
using System.Globalization;
using System.Runtime.InteropServices;
using Kafka.Typed.Soak;

if (args is ["member", ..])
{
    var member = SoakSettings.ParseMember(args[1..], out var memberError);
    if (member is null)
    {
        Console.Error.WriteLine($"member: {memberError}");
        return 2;
    }

    return await Member.RunAsync(member);
}

var settings = SoakSettings.Parse(args, out var error);
if (settings is null)
{
    Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine(SoakSettings.Usage);
    return 2;
}

Directory.CreateDirectory(settings.WorkDir);
var deadline = DateTime.UtcNow.AddMinutes(settings.MaxMinutes);
Console.WriteLine($"soak: {settings}");
Console.WriteLine($"soak: files and logs in {settings.WorkDir}");
using var log = new LineLog(Path.Combine(settings.WorkDir, "soak.log"));
using var cancel = new CancellationTokenSource();
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
{
    c.Cancel = true;
    cancel.Cancel();
    Console.Error.WriteLine("soak: interrupted; finishing the current run's checks and stopping");
});

var results = new List<RunResult>();
var combos = settings.Protocols.SelectMany(p => settings.Handlers.Select(h => (Protocol: p, Async: h))).ToList();
using (var broker = await BrokerProcess.StartAsync(3, settings.Kip848SessionMs, 250, log))
{
    Console.WriteLine($"soak: brokers at {broker.BootstrapServers}");
    for (var i = 0; i < combos.Count; i++)
    {
        if (cancel.IsCancellationRequested || DateTime.UtcNow >= deadline)
        {
            Console.WriteLine($"soak: no time left for {combos.Count - i} run(s)");
            break;
        }

        // Each remaining run gets an equal share of the time left.
        var runDeadline = DateTime.UtcNow + ((deadline - DateTime.UtcNow) / (combos.Count - i));
        var run = new Orchestrator(settings, broker, log, combos[i].Protocol, combos[i].Async, i);
        var result = await run.RunAsync(runDeadline);
        results.Add(result);
        Print(result);
    }
}

Console.WriteLine();
Console.WriteLine("| protocol / handler | acknowledged | log records (written twice) | committed = done | lost | kills | broker faults | duplicates | bound: uncommitted at kills | duplicates after kills / after hand-overs | commits failed | poison → dead-lettered | time |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
foreach (var r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Name} | {r.Produced:N0} | {r.Done + r.NotDone:N0} ({r.WrittenTwice}) | {r.Done:N0} | {r.Lost} | {r.Kills} | {r.BrokerFaults} | {r.Duplicates:N0} | {r.KillBound:N0} | {r.DuplicatesAfterKills:N0} / {r.DuplicatesOther:N0} | {r.RefusedCommits} | {r.Poison} → {r.DeadLettered} | {r.Elapsed.TotalSeconds:0} s |"));
}

var allSafe = results.Count == combos.Count && results.All(r => r.NothingLost);
var allBounded = results.All(r => r.WithinBound);
Console.WriteLine(allSafe && allBounded ? "OK" : allSafe ? "NOTHING LOST, DUPLICATES OVER THE BOUND" : "FAILED");
return allSafe ? (allBounded ? 0 : 3) : 1;

static void Print(RunResult r)
{
    Console.WriteLine($"  {r.Name}: {r.Elapsed.TotalSeconds:0.0} s");
    Console.WriteLine($"    produced          {r.Produced} acknowledged, {r.ProduceFailed} failed");
    Console.WriteLine($"    committed (done)  {r.Done}; not committed at the end {r.NotDone}");
    Console.WriteLine($"    lost              {r.Lost}");
    Console.WriteLine($"    handled           {r.Handled} handlings");
    Console.WriteLine($"    kills             {r.Kills} SIGKILLs ({r.KillsWithoutSnapshot} without an offsets snapshot; slowest snapshot {r.SlowestSnapshot.TotalMilliseconds:0} ms)");
    Console.WriteLine($"    broker faults     {r.BrokerFaults}");
    Console.WriteLine($"    commits failed    {r.RefusedCommits} (\"commit failed\" warnings from members)");
    Console.WriteLine($"    duplicates        {r.Duplicates} (bound: {r.KillBound} handled but uncommitted when killed; {r.DuplicatesAfterKills} follow a kill, {r.DuplicatesOther} follow a handover without a kill)");
    Console.WriteLine($"    dead letters      {r.DeadLettered} distinct of {r.Poison} poison messages, {r.DeadLetterDuplicates} written twice");
    foreach (var kill in r.KillDetails)
    {
        Console.WriteLine($"      {kill}");
    }

    Console.WriteLine($"    log               {r.WrittenTwice} records written twice by the brokers (retried batches the mock does not deduplicate), {r.RetentionDropped} dropped by retention");
    Console.WriteLine($"    corrupt           {r.Mismatches} handled records that do not match the log");
    foreach (var problem in r.Problems)
    {
        Console.WriteLine($"    problem: {problem}");
    }

    Console.WriteLine($"    => {(r.NothingLost ? "nothing lost" : "FAILED")}; duplicates {(r.WithinBound ? "within" : "OVER")} the bound");
}

internal sealed record SoakSettings(
    int Messages,
    int Rate,
    int Partitions,
    int Members,
    int Parallelism,
    IReadOnlyList<GroupProtocol> Protocols,
    IReadOnlyList<bool> Handlers,
    long PoisonEvery,
    int CommitIntervalMs,
    int ChaosMinMs,
    int ChaosMaxMs,
    int Kip848SessionMs,
    int MaxMinutes,
    int Seed,
    string WorkDir,
    long LoseEvery)
{
    public const string Usage = """
        usage: soak [--messages N (30000, per run)] [--rate MSGS_PER_S (10000)] [--partitions N (24)] [--members N (3)]
                    [--parallelism N (2)] [--protocols eager,cooperative,consumer] [--handlers sync,async]
                    [--poison-every N (1000)] [--commit-interval-ms N (1000)] [--chaos-ms MIN:MAX (1500:4000)]
                    [--kip848-session-ms N (3000)] [--max-minutes N (40)] [--seed N (42)] [--work-dir DIR]
                    [--self-test-lose-every N: members skip recording ids with id % N == 1, which the check must report lost]
        One run per protocol and handler mode. Exit 0: nothing lost, duplicates within the bound; 1: loss; 3: over the bound.
        """;

    public override string ToString() =>
        $"{Messages} messages per run at ≤ {Rate}/s, {Partitions} partitions, {Members} member processes, MaxDegreeOfParallelism {Parallelism}, " +
        $"protocols {string.Join(",", Protocols).ToLowerInvariant()}, handlers {string.Join(",", Handlers.Select(a => a ? "async" : "sync"))}, " +
        $"poison every {PoisonEvery}, commit every {CommitIntervalMs} ms, a fault every {ChaosMinMs}–{ChaosMaxMs} ms, " +
        $"KIP-848 session {Kip848SessionMs} ms, at most {MaxMinutes} min, seed {Seed}" +
        (LoseEvery > 0 ? $"; SELF-TEST: members skip recording ids with id % {LoseEvery} == 1" : "");

    public static SoakSettings? Parse(string[] args, out string error)
    {
        var s = new SoakSettings(30_000, 10_000, 24, 3, 2, [GroupProtocol.Eager, GroupProtocol.Cooperative, GroupProtocol.Consumer], [false, true],
            1000, 1000, 1500, 4000, 3000, 40, 42, Path.Combine(Path.GetTempPath(), $"kafka-typed-soak-{Environment.ProcessId}"), 0);
        error = "";
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                error = $"{args[i]} needs a value";
                return null;
            }

            var (name, value) = (args[i], args[i + 1]);
            int Number(int min, int max)
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                {
                    throw new FormatException($"{name} must be a whole number from {min} to {max}, not '{value}'");
                }

                return n;
            }

            try
            {
                s = name switch
                {
                    "--messages" => s with { Messages = Number(1, 50_000_000) },
                    "--rate" => s with { Rate = Number(100, 1_000_000) },
                    "--partitions" => s with { Partitions = Number(1, 1000) },
                    "--members" => s with { Members = Number(1, 32) },
                    "--parallelism" => s with { Parallelism = Number(1, 1024) },
                    "--poison-every" => s with { PoisonEvery = Number(2, int.MaxValue) },
                    "--commit-interval-ms" => s with { CommitIntervalMs = Number(10, 600_000) },
                    "--kip848-session-ms" => s with { Kip848SessionMs = Number(500, 600_000) },
                    "--max-minutes" => s with { MaxMinutes = Number(1, 24 * 60) },
                    "--seed" => s with { Seed = Number(0, int.MaxValue) },
                    "--self-test-lose-every" => s with { LoseEvery = Number(2, int.MaxValue) },
                    "--work-dir" => s with { WorkDir = Path.GetFullPath(value) },
                    "--chaos-ms" => value.Split(':') is [var lo, var hi] &&
                                    int.TryParse(lo, NumberStyles.None, CultureInfo.InvariantCulture, out var min) &&
                                    int.TryParse(hi, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && min >= 100 && max >= min
                        ? s with { ChaosMinMs = min, ChaosMaxMs = max }
                        : throw new FormatException($"--chaos-ms must be MIN:MAX milliseconds, 100 ≤ MIN ≤ MAX, not '{value}'"),
                    "--protocols" => s with { Protocols = value.Split(',').Select(p => p switch
                    {
                        "eager" => GroupProtocol.Eager,
                        "cooperative" => GroupProtocol.Cooperative,
                        "consumer" => GroupProtocol.Consumer,
                        _ => throw new FormatException($"--protocols takes eager, cooperative and consumer (KIP-848), not '{p}'"),
                    }).Distinct().ToList() },
                    "--handlers" => s with { Handlers = value.Split(',').Select(h => h switch
                    {
                        "sync" => false,
                        "async" => true,
                        _ => throw new FormatException($"--handlers takes sync and async, not '{h}'"),
                    }).Distinct().ToList() },
                    _ => throw new FormatException($"unknown option '{name}'"),
                };
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return null;
            }
        }

        if ((long)s.Messages / s.Partitions > 80_000)
        {
            // The embedded broker keeps about 5 MiB (and at most 100,000 batches) a partition and silently drops older data.
            error = $"{s.Messages} messages over {s.Partitions} partitions is over 80,000 a partition, more than the embedded broker keeps; add partitions";
            return null;
        }

        return s;
    }

    public static MemberSettings? ParseMember(string[] args, out string error)
    {
        error = "";
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i]] = args[i + 1];
        }

        string[] required = ["--bootstrap", "--topic", "--group", "--protocol", "--handler", "--parallelism", "--poison-every", "--commit-interval-ms", "--out", "--lose-every"];
        if (args.Length % 2 != 0 || required.FirstOrDefault(k => !map.ContainsKey(k)) is { } missing && missing is not null)
        {
            error = $"member mode needs {string.Join(" ", required)}";
            return null;
        }

        return new MemberSettings(map["--bootstrap"], map["--topic"], map["--group"],
            Enum.Parse<GroupProtocol>(map["--protocol"], ignoreCase: true), map["--handler"] == "async",
            int.Parse(map["--parallelism"], CultureInfo.InvariantCulture), long.Parse(map["--poison-every"], CultureInfo.InvariantCulture),
            int.Parse(map["--commit-interval-ms"], CultureInfo.InvariantCulture), map["--out"], long.Parse(map["--lose-every"], CultureInfo.InvariantCulture));
    }
}
