using System.Globalization;
using Kafka.Typed.Testing;
using Microsoft.Extensions.Logging;

namespace Kafka.Typed.EmbeddedBroker;

/// <summary>
/// <c>--control stdin</c>: one command a line on a reader, one answer a line (<c>ok</c> or <c>error: …</c>) on a
/// writer, so that another process (the soak's orchestrator, a test) can take brokers down and up while clients run.
/// The end of the input, or <c>stop</c>, calls the stop action.
/// </summary>
internal sealed class ControlChannel
{
    /// <summary>The commands, for the usage text.</summary>
    public const string Help = """

            ping                      answers ok (the brokers are serving)
            down BROKER|all           take one broker (1..N) or every broker down
            up BROKER|all             bring it (them) back up on the same port
            latency MS [BROKER]       add MS milliseconds to every response (of one broker); 0 removes it
            topic NAME:P[:R]          create a topic with P partitions and replication factor R (default 1)
            leader TOPIC PARTITION B  move a partition's leadership to broker B
            stop                      answer ok, then stop as on SIGTERM
        """;

    private readonly EmbeddedKafkaCluster _cluster;
    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly ILogger _logger;
    private readonly Action _stop;
    private readonly Lock _gate = new();
    private bool _closed;

    private ControlChannel(EmbeddedKafkaCluster cluster, TextReader input, TextWriter output, ILogger logger, Action stop)
    {
        _cluster = cluster;
        _input = input;
        _output = output;
        _logger = logger;
        _stop = stop;
    }

    /// <summary>Starts reading commands on a background thread (it does not keep the process alive).</summary>
    public static ControlChannel Start(EmbeddedKafkaCluster cluster, TextReader input, TextWriter output, ILogger logger, Action stop)
    {
        var channel = new ControlChannel(cluster, input, output, logger, stop);
        new Thread(channel.Run) { IsBackground = true, Name = "control" }.Start();
        return channel;
    }

    /// <summary>After this returns no command touches the cluster again (later ones are not answered).</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    private void Run()
    {
        while (_input.ReadLine() is { } line)
        {
            string answer;
            var stopAfter = false;
            lock (_gate)
            {
                if (_closed)
                {
                    return;
                }

                (answer, stopAfter) = Execute(line.Trim());
                _output.WriteLine(answer);
                _output.Flush();
            }

            if (answer != "ok")
            {
                _logger.LogWarning("Control command '{Command}' failed: {Answer}", line, answer);
            }
            else
            {
                _logger.LogInformation("Control command '{Command}' done", line);
            }

            if (stopAfter)
            {
                break;
            }
        }

        _stop();
    }

    private (string Answer, bool Stop) Execute(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            switch (words)
            {
                case ["ping"]:
                    return ("ok", false);
                case ["stop"]:
                    return ("ok", true);
                case ["down", "all"]:
                    _cluster.SetAllBrokersDown();
                    return ("ok", false);
                case ["up", "all"]:
                    _cluster.SetAllBrokersUp();
                    return ("ok", false);
                case ["down", var id]:
                    _cluster.SetBrokerDown(Broker(id));
                    return ("ok", false);
                case ["up", var id]:
                    _cluster.SetBrokerUp(Broker(id));
                    return ("ok", false);
                case ["latency", var ms]:
                    _cluster.SetBrokerLatency(TimeSpan.FromMilliseconds(Number(ms, "MS")));
                    return ("ok", false);
                case ["latency", var ms, var id]:
                    _cluster.SetBrokerLatency(Broker(id), TimeSpan.FromMilliseconds(Number(ms, "MS")));
                    return ("ok", false);
                case ["topic", var spec]:
                    var parts = spec.Split(':');
                    if (parts.Length is < 2 or > 3)
                    {
                        return ($"error: topic needs NAME:PARTITIONS[:REPLICATION], not '{spec}'", false);
                    }

                    _cluster.CreateTopic(parts[0], Number(parts[1], "PARTITIONS"), parts.Length == 3 ? Number(parts[2], "REPLICATION") : 1);
                    return ("ok", false);
                case ["leader", var topic, var partition, var id]:
                    _cluster.SetPartitionLeader(topic, Number(partition, "PARTITION"), Broker(id));
                    return ("ok", false);
                default:
                    return ($"error: unknown command '{line}'; the commands are ping, down, up, latency, topic, leader, stop", false);
            }
        }
#pragma warning disable CA1031 // Every failure becomes the command's answer; the brokers keep serving.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ($"error: {ex.Message.ReplaceLineEndings(" ")}", false);
        }
    }

    private int Broker(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1 && id <= _cluster.BrokerCount
            ? id
            : throw new ArgumentException($"BROKER must be 1 to {_cluster.BrokerCount} or 'all', not '{value}'");

    private static int Number(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"{name} must be a whole number, not '{value}'");
}
