using System.Diagnostics;
using Confluent.Kafka;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Embedded;

/// <summary>
/// The serve tool's <c>--control stdin</c> channel, which the soak drives to take brokers down and up from another
/// process: each command gets one answer line, the commands act on the brokers, and the end of stdin stops the tool.
/// </summary>
public sealed class ServeToolControlTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Commands_are_answered_one_line_each_act_on_the_brokers_and_the_end_of_stdin_stops_the_tool()
    {
        using var process = StartServeTool("serve", "--brokers", "2", "--control", "stdin");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
            Assert.StartsWith("BOOTSTRAP_SERVERS=127.0.0.1:", line, StringComparison.Ordinal);
            var bootstrapServers = line!["BOOTSTRAP_SERVERS=".Length..];

            Assert.Equal("ok", await CommandAsync(process, "ping"));
            Assert.Equal("ok", await CommandAsync(process, "topic controlled:3:2"));
            Assert.StartsWith("error: ", await CommandAsync(process, "down 3"), StringComparison.Ordinal); // Only 2 brokers.
            Assert.StartsWith("error: unknown command 'bogus'", await CommandAsync(process, "bogus"), StringComparison.Ordinal);
            Assert.StartsWith("error: ", await CommandAsync(process, "topic controlled:3:2"), StringComparison.Ordinal); // Exists already.

            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
                .SetLogHandler((_, _) => { })
                .Build();
            Assert.Equal(3, Assert.Single(admin.GetMetadata("controlled", Timeout).Topics).Partitions.Count);

            // All brokers down: nothing answers; up again: the same ports answer.
            Assert.Equal("ok", await CommandAsync(process, "down all"));
            Assert.Throws<KafkaException>(() => admin.GetMetadata("controlled", TimeSpan.FromSeconds(2)));
            Assert.Equal("ok", await CommandAsync(process, "up all"));
            Assert.Equal(3, Assert.Single(admin.GetMetadata("controlled", Timeout).Topics).Partitions.Count);

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static async Task<string?> CommandAsync(Process process, string command)
    {
        await process.StandardInput.WriteLineAsync(command);
        await process.StandardInput.FlushAsync();
        return await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
    }

    private static Process StartServeTool(params string[] args)
    {
        // The test project references the tool, so its dll (with its runtimeconfig) is next to this assembly.
        var tool = Path.Combine(AppContext.BaseDirectory, "Kafka.Typed.EmbeddedBroker.dll");
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(tool);
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {tool}.");
        process.ErrorDataReceived += (_, _) => { }; // Drain the log so the tool never blocks on a full pipe.
        process.BeginErrorReadLine();
        return process;
    }
}
