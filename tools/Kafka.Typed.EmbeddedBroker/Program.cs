using System.Globalization;
using System.Runtime.InteropServices;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed.EmbeddedBroker;

/// <summary>
/// <c>serve [--brokers N] [--topic name:partitions[:replication]]... [--control stdin]</c>: starts an embedded
/// cluster, prints one <c>BOOTSTRAP_SERVERS=…</c> line to stdout, logs to stderr and runs until
/// SIGTERM or SIGINT (or, with <c>--control stdin</c>, until stdin ends or says <c>stop</c>), then shuts the
/// cluster down and exits 0. Bad arguments exit 2.
/// </summary>
internal static class Program
{
    private const int ExitOk = 0;
    private const int ExitFailure = 1;
    private const int ExitUsage = 2;

    private const string Usage = """
        Usage: Kafka.Typed.EmbeddedBroker serve [--brokers N] [--topic NAME:PARTITIONS[:REPLICATION]]... [--debug CONTEXTS]
                                                [--group-session-timeout-ms MS] [--group-heartbeat-ms MS] [--control stdin]

        Starts an embedded Kafka cluster (librdkafka's mock brokers on 127.0.0.1), prints
          BOOTSTRAP_SERVERS=host:port,...
        on stdout, logs to stderr and serves until SIGTERM or SIGINT.

          --brokers N       number of brokers, 1 to 16 (default 3)
          --topic T:P[:R]   create topic T with P partitions and replication factor R (default 1); repeatable
          --debug CONTEXTS  librdkafka debug contexts for the brokers' log (e.g. mock)
          --group-session-timeout-ms MS, --group-heartbeat-ms MS
                            session timeout and heartbeat interval the brokers give KIP-848 consumers
                            (group.protocol=consumer); default: librdkafka's mock defaults
          --control stdin   read commands from stdin, one a line, and answer each with one line on stdout,
                            "ok" or "error: <reason>"; the end of stdin stops the brokers as SIGTERM does:
        """ + ControlChannel.Help;

    public static int Main(string[] args)
    {
        if (args is ["--help" or "-h" or "help"])
        {
            Console.Out.WriteLine(Usage);
            return ExitOk;
        }

        if (!TryParse(args, out var options, out var error))
        {
            Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine(Usage);
            return ExitUsage;
        }

        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(options.Debug is null ? LogLevel.Information : LogLevel.Debug)
            .AddSimpleConsole(console => console.SingleLine = true)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        var logger = loggerFactory.CreateLogger(typeof(Program).FullName!);

        using var stop = new ManualResetEventSlim();
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        try
        {
            using (var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions
            {
                BrokerCount = options.Brokers,
                LoggerFactory = loggerFactory,
                DebugContexts = options.Debug,
                ConsumerGroupSessionTimeout = options.GroupSessionTimeout,
                ConsumerGroupHeartbeatInterval = options.GroupHeartbeatInterval,
            }))
            {
                foreach (var (name, partitions, replication) in options.Topics)
                {
                    try
                    {
                        cluster.CreateTopic(name, partitions, replication);
                    }
                    catch (ArgumentException ex)
                    {
                        Console.Error.WriteLine($"error: --topic {name}: {ex.Message}");
                        Console.Error.WriteLine(Usage);
                        return ExitUsage;
                    }

                    logger.LogInformation("Created topic {Topic} with {Partitions} partition(s), replication factor {Replication}", name, partitions, replication);
                }

                Console.Out.WriteLine($"BOOTSTRAP_SERVERS={cluster.BootstrapServers}");
                Console.Out.Flush();
                logger.LogInformation("Serving; send SIGTERM or SIGINT (Ctrl+C) to stop");

                var control = options.ControlStdin ? ControlChannel.Start(cluster, Console.In, Console.Out, logger, stop.Set) : null;
                stop.Wait();
                logger.LogInformation("Stopping");
                control?.Close(); // No command runs once this returns: the cluster can go.
            }

            return ExitOk;
        }
#pragma warning disable CA1031 // A tool's last line of defence: report and exit non-zero.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "The embedded cluster failed");
            return ExitFailure;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // Shut down through the normal path below, not by the default handler.
            stop.Set();
        }
    }

    private static bool TryParse(string[] args, out ServeOptions options, out string error)
    {
        options = new ServeOptions();
        error = string.Empty;
        if (args.Length == 0 || args[0] != "serve")
        {
            error = args.Length == 0 ? "missing command 'serve'" : $"unknown command '{args[0]}'";
            return false;
        }

        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            if (i + 1 >= args.Length)
            {
                error = arg.StartsWith("--", StringComparison.Ordinal) ? $"{arg} needs a value" : $"unexpected argument '{arg}'";
                return false;
            }

            var value = args[++i];
            switch (arg)
            {
                case "--brokers":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var brokers) ||
                        brokers is < EmbeddedKafkaClusterOptions.MinBrokerCount or > EmbeddedKafkaClusterOptions.MaxBrokerCount)
                    {
                        error = $"--brokers must be a number from {EmbeddedKafkaClusterOptions.MinBrokerCount} to {EmbeddedKafkaClusterOptions.MaxBrokerCount}, not '{value}'";
                        return false;
                    }

                    options.Brokers = brokers;
                    break;
                case "--topic":
                    var parts = value.Split(':');
                    var replication = 1;
                    if (parts.Length is < 2 or > 3 || parts[0].Length == 0 ||
                        !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partitions) || partitions < 1 ||
                        (parts.Length == 3 && (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out replication) || replication < 1)))
                    {
                        error = $"--topic must be NAME:PARTITIONS[:REPLICATION] with positive numbers, not '{value}'";
                        return false;
                    }

                    options.Topics.Add((parts[0], partitions, replication));
                    break;
                case "--debug":
                    options.Debug = value;
                    break;
                case "--group-session-timeout-ms" or "--group-heartbeat-ms":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms < 1)
                    {
                        error = $"{arg} must be a positive number of milliseconds, not '{value}'";
                        return false;
                    }

                    if (arg == "--group-session-timeout-ms")
                    {
                        options.GroupSessionTimeout = TimeSpan.FromMilliseconds(ms);
                    }
                    else
                    {
                        options.GroupHeartbeatInterval = TimeSpan.FromMilliseconds(ms);
                    }

                    break;
                case "--control":
                    if (value != "stdin")
                    {
                        error = $"--control must be 'stdin', not '{value}'";
                        return false;
                    }

                    options.ControlStdin = true;
                    break;
                default:
                    error = $"unknown option '{arg}'";
                    return false;
            }
        }

        var brokerCount = options.Brokers;
        if (options.Topics.Find(t => t.Replication > brokerCount) is { Name: not null } tooMany)
        {
            error = $"topic '{tooMany.Name}' has replication factor {tooMany.Replication} but there are only {brokerCount} broker(s)";
            return false;
        }

        return true;
    }

    private sealed class ServeOptions
    {
        public int Brokers { get; set; } = 3;

        public List<(string Name, int Partitions, int Replication)> Topics { get; } = [];

        public string? Debug { get; set; }

        public TimeSpan? GroupSessionTimeout { get; set; }

        public TimeSpan? GroupHeartbeatInterval { get; set; }

        public bool ControlStdin { get; set; }
    }
}
