using System.Diagnostics;

namespace Kafka.Typed.Soak;

/// <summary>How to start a .NET tool that sits next to this one (the serve tool) or this tool again (a member).</summary>
internal static class Launcher
{
    public static ProcessStartInfo ForSelf(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = NewInfo(host);
        if (IsDotnetHost(host))
        {
            info.ArgumentList.Add(typeof(Launcher).Assembly.Location);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    public static ProcessStartInfo ForTool(string dllName, IEnumerable<string> args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, dllName);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dllName} is not next to the soak tool (build tools/Kafka.Typed.Soak, which references it)", dll);
        }

        var host = Environment.ProcessPath is { } path && IsDotnetHost(path) ? path : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = NewInfo(host);
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static bool IsDotnetHost(string path) => Path.GetFileNameWithoutExtension(path) == "dotnet";

    private static ProcessStartInfo NewInfo(string host) => new(host)
    {
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
}

/// <summary>A line log shared by the processes of a run (their stderr and stdout, each line prefixed with its name).</summary>
internal sealed class LineLog(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
    private readonly Lock _gate = new();
    private int _refusedCommits;
    private bool _disposed;

    /// <summary>How many "commit failed" lines the members wrote (the brokers refused or failed a commit).</summary>
    public int RefusedCommits => Volatile.Read(ref _refusedCommits);

    public void Write(string source, string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.Contains("commit failed", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _refusedCommits);
        }

        lock (_gate)
        {
            if (!_disposed)
            {
                _writer.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {source}: {line}");
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true; // A process's last lines may still arrive on the thread pool: they are dropped.
            _writer.Dispose();
        }
    }
}

/// <summary>The serve tool in its own process, driven through its stdin control channel.</summary>
internal sealed class BrokerProcess : IDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LineLog _log;

    private BrokerProcess(Process process, string bootstrap, LineLog log)
    {
        _process = process;
        BootstrapServers = bootstrap;
        _log = log;
    }

    public string BootstrapServers { get; }

    public static async Task<BrokerProcess> StartAsync(int brokers, int kip848SessionMs, int kip848HeartbeatMs, LineLog log)
    {
        var info = Launcher.ForTool("Kafka.Typed.EmbeddedBroker.dll",
        [
            "serve", "--brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--control", "stdin",
            "--group-session-timeout-ms", kip848SessionMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--group-heartbeat-ms", kip848HeartbeatMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the serve tool");
        process.ErrorDataReceived += (_, e) => log.Write("broker", e.Data);
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (line is null || !line.StartsWith("BOOTSTRAP_SERVERS=", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"the serve tool printed '{line}' instead of BOOTSTRAP_SERVERS=… (see the run log)");
        }

        var bootstrap = line["BOOTSTRAP_SERVERS=".Length..];
        if (bootstrap.Split(',').Any(b => !b.StartsWith("127.0.0.1:", StringComparison.Ordinal)))
        {
            process.Kill();
            throw new InvalidOperationException($"the brokers listen on {bootstrap}, not only on 127.0.0.1");
        }

        return new BrokerProcess(process, bootstrap, log);
    }

    /// <summary>Sends one control command and waits for its <c>ok</c>; anything else throws.</summary>
    public async Task CommandAsync(string command)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(command).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            var answer = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            _log.Write("control", $"{command} -> {answer}");
            if (answer != "ok")
            {
                throw new InvalidOperationException($"broker control '{command}' answered '{answer}'");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close(); // The end of stdin stops the brokers.
            if (!_process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _gate.Dispose();
    }
}

/// <summary>One incarnation of a member: a process of this tool in <c>member</c> mode, and its handled-records file.</summary>
internal sealed class MemberProcess : IDisposable
{
    private MemberProcess(string name, int slot, string outFile, Process process)
    {
        Name = name;
        Slot = slot;
        OutFile = outFile;
        Process = process;
    }

    public string Name { get; }

    public int Slot { get; }

    public string OutFile { get; }

    public Process Process { get; }

    /// <summary>How long ago it was started.</summary>
    public TimeSpan Age => Stopwatch.GetElapsedTime(_started);

    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>Set when the orchestrator SIGKILLed it (so its exit is expected).</summary>
    public bool Killed { get; set; }

    /// <summary>Set when it was asked to stop gracefully.</summary>
    public bool Stopping { get; set; }

    public static MemberProcess Start(string name, int slot, MemberSettings settings, LineLog log)
    {
        var info = Launcher.ForSelf(
        [
            "member", "--bootstrap", settings.Bootstrap, "--topic", settings.Topic, "--group", settings.Group,
            "--protocol", settings.Protocol.ToString().ToLowerInvariant(), "--handler", settings.Async ? "async" : "sync",
            "--parallelism", Text(settings.Parallelism), "--poison-every", Text(settings.PoisonEvery),
            "--commit-interval-ms", Text(settings.CommitIntervalMs), "--out", settings.OutFile, "--lose-every", Text(settings.LoseEvery),
        ]);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start member {name}");
        process.ErrorDataReceived += (_, e) => log.Write(name, e.Data);
        process.OutputDataReceived += (_, e) => log.Write(name, e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new MemberProcess(name, slot, settings.OutFile, process);
    }

    /// <summary>SIGKILL: no drain, no commit, no leaving the group.</summary>
    public void Kill()
    {
        Killed = true;
        Process.Kill(entireProcessTree: false); // SIGKILL on Unix.
        Process.WaitForExit();
    }

    /// <summary>Asks for a graceful stop (drain, commit, leave) by ending its stdin.</summary>
    public void RequestStop()
    {
        Stopping = true;
        try
        {
            Process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It is gone already.
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Killed = true;
            Process.Kill();
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    private static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
