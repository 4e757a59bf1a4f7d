using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kafka.Typed.Testing;
using Xunit;

namespace Kafka.Typed.Integration.Tests.Runtime;

/// <summary>Group membership: backoff does not cost it, members share partitions, and a leaving member hands over cleanly.</summary>
public sealed class GroupMembershipTests
{
    [Fact]
    public async Task Backoff_longer_than_session_timeout_and_max_poll_interval_keeps_membership()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "slow-retry";
        cluster.CreateTopic(topic, 2);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes("fails-once")) { Partition = 0 });
        }

        var logs = new CapturingLoggerFactory();
        var attempts = 0;
        var handledLate = new TaskCompletionSource();
        var other = new ConcurrentQueue<string>();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            if (m.Partition == 1)
            {
                other.Enqueue(m.ValueAsString!);
                return Task.CompletedTask;
            }

            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new TimeoutException("downstream busy");
            }

            handledLate.TrySetResult();
            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions
        {
            MaxRetries = 1,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromSeconds(9), MaxDelay = TimeSpan.FromSeconds(9), Jitter = 0 },
            SessionTimeout = TimeSpan.FromSeconds(6),
            Settings = new Dictionary<string, string> { ["max.poll.interval.ms"] = "7000" },
        }), logs);

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await Kit.WaitUntilAsync(() => Volatile.Read(ref attempts) > 0, "the first attempt");

        // While partition 0 backs off for 9 s (longer than both timeouts), partition 1 keeps flowing.
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            for (var i = 0; i < 5; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"other-{i}")) { Partition = 1 });
            }
        }

        var flowDeadline = DateTime.UtcNow.AddSeconds(5);
        while (other.Count < 5 && DateTime.UtcNow < flowDeadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(5, other.Count);
        Assert.False(handledLate.Task.IsCompleted);
        await handledLate.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var beforeStop = logs.Lines.ToArray();
        await cts.CancelAsync();
        await run;

        Assert.Equal(2, attempts);

        // Until it was stopped the member was never revoked, never lost its partitions and never exceeded max.poll.interval.ms.
        Assert.DoesNotContain(beforeStop, l => l.Contains(": revoked", StringComparison.Ordinal) || l.Contains(": lost", StringComparison.Ordinal));
        Assert.DoesNotContain(beforeStop, l => l.Contains("MAX_POLL_EXCEEDED", StringComparison.Ordinal) || l.Contains("maximum poll interval", StringComparison.OrdinalIgnoreCase));
        Assert.Single(beforeStop, l => l.Contains(": assigned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_full_buffer_while_a_partition_backs_off_keeps_membership()
    {
        // The whole buffer (MaxBufferedMessages) fills with records queued behind a message that is backing off: the
        // poll loop must keep polling (membership, rebalance callbacks) while it waits for room.
        using var cluster = EmbeddedKafkaCluster.Start();
        const string topic = "full-buffer-retry";
        cluster.CreateTopic(topic, 1);
        await using (var producer = new SyncProducer(Kit.App(cluster)))
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"m{i}")) { Partition = 0 });
            }
        }

        var logs = new CapturingLoggerFactory();
        var seen = new ConcurrentQueue<(long Offset, int Attempt)>();
        var group = new ConsumerGroup(Kit.App(cluster), [topic], (m, _) =>
        {
            seen.Enqueue((m.Offset, m.Attempt));
            if (m.Offset == 0 && m.Attempt == 1)
            {
                throw new TimeoutException("downstream busy");
            }

            return Task.CompletedTask;
        }, Kit.FastGroup(new ConsumerOptions
        {
            MaxRetries = 1,
            Backoff = new RetryBackoff { InitialDelay = TimeSpan.FromSeconds(9), MaxDelay = TimeSpan.FromSeconds(9), Jitter = 0 },
            MaxBufferedMessagesPerPartition = 4,
            MaxBufferedMessages = 4,
            SessionTimeout = TimeSpan.FromSeconds(6),
            Settings = new Dictionary<string, string> { ["max.poll.interval.ms"] = "7000" },
        }), logs);

        using var cts = new CancellationTokenSource();
        var run = group.ConsumeAsync(cts.Token);
        await Kit.WaitUntilAsync(() => group.HandledCount >= 20, "all 20 handled", TimeSpan.FromSeconds(40));
        var beforeStop = logs.Lines.ToArray();
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        // In order, each message once (offset 0 twice: its failed attempt and its retry): the partition never changed hands.
        Assert.Equal(new[] { (0L, 1) }.Concat(Enumerable.Range(0, 20).Select(i => ((long)i, i == 0 ? 2 : 1))), seen);
        Assert.DoesNotContain(beforeStop, l => l.Contains(": revoked", StringComparison.Ordinal) || l.Contains(": lost", StringComparison.Ordinal));
        Assert.DoesNotContain(beforeStop, l => l.Contains("MAX_POLL_EXCEEDED", StringComparison.Ordinal) || l.Contains("maximum poll interval", StringComparison.OrdinalIgnoreCase));
        Assert.Single(beforeStop, l => l.Contains(": assigned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_members_share_partitions_and_a_leaving_member_hands_over_without_loss()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaClusterOptions { ConsumerGroupHeartbeatInterval = TimeSpan.FromMilliseconds(200) });
        const string topic = "shared";
        cluster.CreateTopic(topic, 4);
        var handled = new ConcurrentDictionary<string, int>();
        var byMember = new ConcurrentDictionary<string, ConcurrentDictionary<int, bool>>();
        MessageHandler Handler(string member) => (m, _) =>
        {
            byMember.GetOrAdd(member, _ => new())[m.Partition] = true;
            handled.AddOrUpdate(m.ValueAsString!, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };

        // KIP-848 (group.protocol=consumer): the mock refuses commits while a classic rebalance is in progress, which a
        // real broker accepts from the revoking member; the new protocol has no such window.
        var options = new ConsumerOptions
        {
            GroupId = "shared-group",
            CommitInterval = TimeSpan.FromMilliseconds(200),
            Settings = new Dictionary<string, string> { ["group.protocol"] = "consumer" },
        };
        var logs = new CapturingLoggerFactory();
        var a = new ConsumerGroup(Kit.App(cluster, server: "a"), [topic], Handler("a"), options, logs);
        var b = new ConsumerGroup(Kit.App(cluster, server: "b"), [topic], Handler("b"), options);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var sent = 0;
        await using var producer = new SyncProducer(Kit.App(cluster));
        async Task SendAsync(int count)
        {
            var batch = Enumerable.Range(sent, count).Select(i => producer.SendAsync(new ProducerMessage(topic, Kit.Bytes($"m{i}")) { Partition = i % 4 }));
            sent += count;
            await Task.WhenAll(batch);
        }

        async Task UntilAsync(Func<bool> condition, string what, Func<Task>? meanwhile = null)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
                await (meanwhile?.Invoke() ?? Task.Delay(20));
            }
        }

        var runA = a.ConsumeAsync(stopA.Token);
        await SendAsync(100);
        await UntilAsync(() => handled.Count == 100, "a handled the first 100");

        // b joins: keep producing until it owns partitions and handles messages.
        var runB = b.ConsumeAsync(stopB.Token);
        await UntilAsync(() => byMember.ContainsKey("b"), "b got partitions", async () =>
        {
            await SendAsync(8);
            await Task.Delay(50);
        });

        // a leaves mid-stream; b takes over everything.
        await SendAsync(40);
        await stopA.CancelAsync();
        await runA.WaitAsync(TimeSpan.FromSeconds(30));
        await SendAsync(100);
        await UntilAsync(() => handled.Count == sent, $"all {sent} handled");
        await stopB.CancelAsync();
        await runB.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(sent, handled.Count); // nothing lost
        Assert.Equal(4, byMember["b"].Count); // b ended up with every partition
        var duplicates = handled.Values.Count(n => n > 1);
        Assert.True(duplicates == 0, $"{duplicates} duplicates; a's log:\n" + string.Join("\n", logs.Lines.Where(l => !l.Contains("librdkafka", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Tls_files_that_exist_are_accepted_and_the_key_password_stays_hidden()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=kafka-typed-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var dir = Directory.CreateTempSubdirectory("kafka-typed-tls");
        try
        {
            const string password = "key-password-hunter2";
            var ca = Path.Combine(dir.FullName, "ca.pem");
            var certificate = Path.Combine(dir.FullName, "client.pem");
            var keyFile = Path.Combine(dir.FullName, "client.key");
            await File.WriteAllTextAsync(ca, cert.ExportCertificatePem());
            await File.WriteAllTextAsync(certificate, cert.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
            var tls = new TlsOptions { CaLocation = ca, CertificateLocation = certificate, KeyLocation = keyFile, KeyPassword = password, EnableHostnameVerification = false };

            // The embedded broker has no TLS listener, so skip the connectivity check: construction itself must succeed.
            var app = new KafkaAppConfig("app", "test", "127.0.0.1:9093") { ConnectTimeout = TimeSpan.Zero };
            await using (var producer = new SyncProducer(app, new ProducerOptions { Tls = tls }))
            {
                Assert.Equal("app-test", producer.ClientId);
            }

            var group = new ConsumerGroup(app, ["t"], (_, _) => Task.CompletedTask, new ConsumerOptions { Tls = tls });
            Assert.DoesNotContain(password, group.Options.ToString(), StringComparison.Ordinal);

            // A wrong key password is a configuration error that does not echo the password.
            var wrong = new TlsOptions { CaLocation = ca, CertificateLocation = certificate, KeyLocation = keyFile, KeyPassword = "wrong-" + password };
            var e = Assert.ThrowsAny<Exception>(() => new SyncProducer(app, new ProducerOptions { Tls = wrong }));
            Assert.IsType<KafkaConfigurationException>(e);
            Assert.DoesNotContain(password, e.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
