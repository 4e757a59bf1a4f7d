using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>
/// The application's two shared producers, created on first use: a <see cref="SyncProducer"/> for sends that await the
/// acknowledgement and an <see cref="AsyncProducer"/> for queued sends, published while the host runs. Every generated
/// producer sends through it. Registered as a singleton and as a hosted service (stopping the host flushes the queue).
/// </summary>
public sealed class KafkaProducerHost : IHostedService, IAsyncDisposable
{
    private readonly KafkaTypedOptions _options;
    private readonly IKafkaDeliveryObserver[] _observers;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private SyncProducer? _sync;
    private AsyncProducer? _async;
    private readonly Avro.KafkaAvroDefaults.Binding? _avro;
    private Task _listening = Task.CompletedTask;
    private bool _disposed;

    /// <summary>Creates the host; no client is created until the first send.</summary>
    /// <param name="options">The bound options.</param>
    /// <param name="observers">Receivers of the reports of queued messages.</param>
    /// <param name="loggerFactory">Where logs go; <see langword="null"/> for none.</param>
    public KafkaProducerHost(IOptions<KafkaTypedOptions> options, IEnumerable<IKafkaDeliveryObserver> observers, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _observers = observers?.ToArray() ?? [];
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<KafkaProducerHost>();

        // Created when the host starts (it is a hosted service), so before any message is sent or read. The host's
        // typed producers and consumers use this connection whatever another host in the process configures; it is also
        // made the process-wide default for code that uses a message type's serializer directly.
        if (_options.ToAvroSerdeOptions() is { } avro)
        {
            _avro = Avro.KafkaAvroDefaults.Connect(avro, ownsClient: false);
            Avro.KafkaAvroDefaults.Share(_avro);
        }
    }

    /// <summary>
    /// The serializer this host's typed producers and consumers use for <typeparamref name="T"/>: an Avro serializer is
    /// bound to the host's own Schema Registry connection (when one is configured), so that hosts in one process (tests,
    /// several services) do not share the last-configured registry; any other serializer is used as it is.
    /// </summary>
    internal IKafkaSerializer<T> SerializerFor<T>(IKafkaSerializer<T> serializer)
        => _avro is not null && serializer is Avro.AvroKafkaSerializer<T> avro ? avro.PinnedTo(_avro) : serializer;

    /// <summary>The producer that awaits acknowledgements (created, and the cluster checked, on first use).</summary>
    public SyncProducer Sync
    {
        get
        {
            var sync = Volatile.Read(ref _sync);
            return sync ?? CreateSync();
        }
    }

    /// <summary>The queueing producer (created on first use; publishing runs until the host stops).</summary>
    public AsyncProducer Async
    {
        get
        {
            var producer = Volatile.Read(ref _async);
            return producer ?? CreateAsync();
        }
    }

    /// <summary>The producers created so far (for the health check; creating none).</summary>
    internal IEnumerable<(string Name, ProducerDiagnostics Diagnostics)> CreatedProducers()
    {
        if (Volatile.Read(ref _sync) is { } sync)
        {
            yield return ("sync", sync.Diagnostics);
        }

        if (Volatile.Read(ref _async) is { } producer)
        {
            yield return ("async", producer.Diagnostics);
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Publishes what is queued and waits for the reports of both producers, together up to <see cref="ProducerOptions.DisposeTimeout"/>.</summary>
    /// <param name="cancellationToken">Not used: disposal is bounded by <see cref="ProducerOptions.DisposeTimeout"/>.</param>
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        SyncProducer? sync;
        AsyncProducer? producer;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            sync = _sync;
            producer = _async;
        }

        // Both producers flush at once, within one dispose timeout. The async producer's disposal ends its ListenAsync
        // (which then exits without a flush of its own): cancelling ListenAsync first made it flush for a whole timeout
        // before disposal flushed for another.
        await Task.WhenAll(
            producer is null ? Task.CompletedTask : producer.DisposeAsync().AsTask(),
            sync is null ? Task.CompletedTask : sync.DisposeAsync().AsTask()).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _listening.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            TypedLog.ListenFailed(_logger, e);
        }

        _stopping.Dispose();
        if (_avro is not null)
        {
            Avro.KafkaAvroDefaults.Withdraw(_avro);
            _avro.Client.Dispose();
        }
    }

    private SyncProducer CreateSync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _sync ??= new SyncProducer(_options.ToAppConfig(), _options.ToProducerOptions(), _loggerFactory);
        }
    }

    private AsyncProducer CreateAsync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_async is null)
            {
                var producer = new AsyncProducer(_options.ToAppConfig(), OnReport, _options.ToProducerOptions(), _loggerFactory);
                _listening = Task.Run(() => producer.ListenAsync(_stopping.Token));
                Volatile.Write(ref _async, producer);
            }

            return _async;
        }
    }

    private void OnReport(ProducerReport report)
    {
        if (!report.IsSuccess)
        {
            TypedLog.EnqueuedFailed(_logger, report.Message.Topic, report.ErrorCode, report.Reason ?? string.Empty);
        }

        foreach (var observer in _observers)
        {
            try
            {
                observer.OnDelivery(report);
            }
            catch (Exception e)
            {
                TypedLog.ObserverFailed(_logger, e, observer.GetType().Name, report.Message.Topic);
            }
        }
    }
}
