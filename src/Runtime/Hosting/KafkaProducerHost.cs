using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kafka.Typed;

/// <summary>
/// The application's two shared producers: a <see cref="SyncProducer"/> for sends that await the acknowledgement and an
/// <see cref="AsyncProducer"/> for queued sends, published while the host runs. Every generated producer sends through
/// it. Registered as a singleton and as a hosted service: starting the host creates both clients and checks that the
/// cluster answers (start-up fails with <see cref="KafkaUnreachableException"/>, naming the bootstrap servers, within
/// <c>Kafka:ConnectTimeout</c>); stopping it flushes them.
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
    private Task<SyncProducer>? _creatingSync;
    private Task<AsyncProducer>? _creatingAsync;
    private readonly Avro.KafkaAvroDefaults.Binding? _avro;
    private Task _listening = Task.CompletedTask;
    private bool _disposed;

    /// <summary>Creates the host; the clients are created when it starts (or, before that, on first use, off the caller's thread).</summary>
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

    /// <summary>The topic of <typeparamref name="T"/> after configuration (<c>Kafka:Topics</c>, <c>Kafka:TopicTemplate</c>).</summary>
    internal string TopicFor<T>()
        where T : IKafkaMessage<T>
        => _options.ResolveTopic(KafkaMessageType.NameOf(typeof(T)), T.Topic);

    /// <summary>
    /// The producer that awaits acknowledgements. Created when the host starts; read before that, it is created here and
    /// this getter blocks until the cluster answered (up to <c>Kafka:ConnectTimeout</c>). Typed producers never block:
    /// they wait for it asynchronously.
    /// </summary>
    /// <exception cref="KafkaUnreachableException">The cluster did not answer within the connect timeout.</exception>
    public SyncProducer Sync => Volatile.Read(ref _sync) ?? StartSync().GetAwaiter().GetResult();

    /// <summary>The queueing producer (publishing runs until the host stops); created as <see cref="Sync"/> is.</summary>
    /// <exception cref="KafkaUnreachableException">The cluster did not answer within the connect timeout.</exception>
    public AsyncProducer Async => Volatile.Read(ref _async) ?? StartAsyncProducer().GetAwaiter().GetResult();

    /// <summary>
    /// Creates both clients, each checking that the cluster answers, at once: start-up fails within <c>Kafka:ConnectTimeout</c>
    /// when it does not, rather than the first send waiting for it.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the host's start-up was cancelled).</param>
    /// <exception cref="KafkaUnreachableException">No bootstrap server answered within the connect timeout; the message names them.</exception>
    /// <exception cref="KafkaConfigurationException">A producer option is invalid.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var sync = StartSync();
        var queued = StartAsyncProducer();
        try
        {
            await Task.WhenAll(sync, queued).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            TypedLog.ProducersUnavailable(_logger, e, string.Join(",", _options.BootstrapServers));
            throw;
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

    /// <summary>Publishes what is queued and waits for the reports of both producers, together up to <see cref="ProducerOptions.DisposeTimeout"/>.</summary>
    /// <param name="cancellationToken">Not used: disposal is bounded by <see cref="ProducerOptions.DisposeTimeout"/>.</param>
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    /// <summary>
    /// Completes when every message sent or queued before the call, on both producers, has its outcome, waiting at most
    /// <see cref="ProducerOptions.DisposeTimeout"/>; see <see cref="SyncProducer.FlushAsync(CancellationToken)"/> and
    /// <see cref="AsyncProducer.FlushAsync(CancellationToken)"/>. Blocks no thread.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">Some of those messages still had no outcome after the bound.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var sync = Volatile.Read(ref _sync);
        var queued = Volatile.Read(ref _async);
        if (sync is null && queued is null)
        {
            // Nothing was ever sent through a client that does not exist yet.
            return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
        }

        // Both bounds are the same option and run at once, so the whole flush is bounded by it.
        return Task.WhenAll(
            sync?.FlushAsync(cancellationToken) ?? Task.CompletedTask,
            queued?.FlushAsync(cancellationToken) ?? Task.CompletedTask);
    }

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
        // before disposal flushed for another. A client still being created disposes itself when it sees _disposed.
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

    /// <summary>The sync producer if it exists already (the fast path of every typed send).</summary>
    internal bool TryGetSync([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SyncProducer? producer)
    {
        producer = Volatile.Read(ref _sync);
        return producer is not null;
    }

    /// <summary>The async producer if it exists already.</summary>
    internal bool TryGetAsync([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AsyncProducer? producer)
    {
        producer = Volatile.Read(ref _async);
        return producer is not null;
    }

    /// <summary>The sync producer, created off the caller's thread when the host has not started yet.</summary>
    internal Task<SyncProducer> GetSyncAsync(CancellationToken cancellationToken) => StartSync().WaitAsync(cancellationToken);

    /// <summary>The async producer, created off the caller's thread when the host has not started yet.</summary>
    internal Task<AsyncProducer> GetAsyncAsync(CancellationToken cancellationToken) => StartAsyncProducer().WaitAsync(cancellationToken);

    // One creation at a time per producer; a failed one (the cluster did not answer) is tried again by the next caller.
    private Task<SyncProducer> StartSync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sync is { } sync)
            {
                return Task.FromResult(sync);
            }

            if (_creatingSync is null || _creatingSync.IsFaulted || _creatingSync.IsCanceled)
            {
                _creatingSync = Task.Run(CreateSync);
            }

            return _creatingSync;
        }
    }

    private Task<AsyncProducer> StartAsyncProducer()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_async is { } producer)
            {
                return Task.FromResult(producer);
            }

            if (_creatingAsync is null || _creatingAsync.IsFaulted || _creatingAsync.IsCanceled)
            {
                _creatingAsync = Task.Run(CreateAsync);
            }

            return _creatingAsync;
        }
    }

    private SyncProducer CreateSync()
    {
        // The constructor checks that the cluster answers: up to the connect timeout, on a pool thread.
        var sync = new SyncProducer(_options.ToAppConfig(), _options.ToProducerOptions(), _loggerFactory);
        lock (_gate)
        {
            if (!_disposed)
            {
                Volatile.Write(ref _sync, sync);
                return sync;
            }
        }

        sync.Dispose();
        throw new ObjectDisposedException(nameof(KafkaProducerHost));
    }

    private AsyncProducer CreateAsync()
    {
        var producer = new AsyncProducer(_options.ToAppConfig(), OnReport, _options.ToProducerOptions(), _loggerFactory);
        lock (_gate)
        {
            if (!_disposed)
            {
                _listening = Task.Run(() => producer.ListenAsync(_stopping.Token));
                Volatile.Write(ref _async, producer);
                return producer;
            }
        }

        producer.Dispose();
        throw new ObjectDisposedException(nameof(KafkaProducerHost));
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
