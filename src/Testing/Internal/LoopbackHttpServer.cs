using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kafka.Typed.Testing.Internal;

/// <summary>One parsed HTTP request.</summary>
internal sealed class HttpRequestData
{
    public required string Method { get; init; }

    /// <summary>The path's segments, percent-decoded (<c>/subjects/a%2Db/versions</c> → <c>subjects</c>, <c>a-b</c>, <c>versions</c>).</summary>
    public required IReadOnlyList<string> Segments { get; init; }

    public required string Path { get; init; }

    public required IReadOnlyDictionary<string, string> Query { get; init; }

    /// <summary>Header values by name (case-insensitive); a repeated header keeps its last value.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required byte[] Body { get; init; }
}

/// <summary>One HTTP response.</summary>
internal sealed record HttpResponseData(int Status, string ContentType, byte[] Body, IReadOnlyList<KeyValuePair<string, string>>? Headers = null);

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1 (an ephemeral port) over <see cref="TcpListener"/>: persistent connections,
/// <c>Content-Length</c> bodies. Enough for a test double such as <see cref="InProcessSchemaRegistry"/>, without the
/// ASP.NET Core shared framework or http.sys URL reservations, on every operating system.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxBodyBytes = 64 * 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly Func<HttpRequestData, Task<HttpResponseData>> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();

    private LoopbackHttpServer(TcpListener listener, Func<HttpRequestData, Task<HttpResponseData>> handler)
    {
        _listener = listener;
        _handler = handler;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public static LoopbackHttpServer Start(Func<HttpRequestData, Task<HttpResponseData>> handler)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new LoopbackHttpServer(listener, handler);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Task[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        await Task.WhenAny(Task.WhenAll(open), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var connection = Task.Run(() => ServeAsync(client));
            lock (_gate)
            {
                _connections.RemoveAll(static t => t.IsCompleted);
                _connections.Add(connection);
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            client.NoDelay = true;
            var stream = client.GetStream();
            var buffer = new ConnectionBuffer(stream);
            try
            {
                while (!_stopping.IsCancellationRequested)
                {
                    var request = await ReadRequestAsync(buffer, _stopping.Token).ConfigureAwait(false);
                    if (request is null)
                    {
                        return; // the client closed the connection
                    }

                    HttpResponseData response;
                    try
                    {
                        response = await _handler(request).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        response = new HttpResponseData(500, "text/plain", Encoding.UTF8.GetBytes(e.GetType().Name + ": " + e.Message));
                    }

                    var close = request.Headers.TryGetValue("Connection", out var c) && c.Equals("close", StringComparison.OrdinalIgnoreCase);
                    await WriteResponseAsync(stream, response, close, _stopping.Token).ConfigureAwait(false);
                    if (close)
                    {
                        return;
                    }
                }
            }
            catch (BadRequest e)
            {
                try
                {
                    await WriteResponseAsync(stream, new HttpResponseData(e.Status, "text/plain", Encoding.UTF8.GetBytes(e.Message)), close: true, CancellationToken.None).ConfigureAwait(false);
                }
                catch (IOException)
                {
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The client went away or the server stops.
            }
        }
    }

    private static async Task<HttpRequestData?> ReadRequestAsync(ConnectionBuffer buffer, CancellationToken cancellationToken)
    {
        var head = await buffer.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            throw new BadRequest(400, "Malformed request line: " + lines[0]);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new BadRequest(400, "Malformed header line: " + lines[i]);
            }

            headers[lines[i][..colon].Trim()] = lines[i][(colon + 1)..].Trim();
        }

        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new BadRequest(411, "Chunked request bodies are not supported: send Content-Length.");
        }

        var length = 0;
        if (headers.TryGetValue("Content-Length", out var lengthText) &&
            (!int.TryParse(lengthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length) || length > MaxBodyBytes))
        {
            throw new BadRequest(400, "Invalid Content-Length: " + lengthText);
        }

        var body = await buffer.ReadBodyAsync(length, cancellationToken).ConfigureAwait(false);
        var target = requestLine[1];
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? target : target[..queryStart];
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (queryStart >= 0)
        {
            foreach (var pair in target[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
                query[key] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        }

        return new HttpRequestData
        {
            Method = requestLine[0],
            Path = path,
            Segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray(),
            Query = query,
            Headers = headers,
            Body = body,
        };
    }

    private static async Task WriteResponseAsync(NetworkStream stream, HttpResponseData response, bool close, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(Reason(response.Status)).Append("\r\n");
        head.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        head.Append("Content-Length: ").Append(response.Body.Length).Append("\r\n");
        head.Append(close ? "Connection: close\r\n" : "Connection: keep-alive\r\n");
        foreach (var (name, value) in response.Headers ?? [])
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(response.Body, cancellationToken).ConfigureAwait(false);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        _ => "Status",
    };

    private sealed class BadRequest(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    /// <summary>Reads heads and bodies off one connection, keeping what was read past a request for the next.</summary>
    private sealed class ConnectionBuffer(NetworkStream stream)
    {
        private byte[] _data = new byte[8192];
        private int _start;
        private int _end;

        /// <summary>The head up to (not including) the blank line; <see langword="null"/> when the connection closed before a request.</summary>
        public async Task<string?> ReadHeadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var span = _data.AsSpan(_start, _end - _start);
                var end = span.IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    var head = Encoding.ASCII.GetString(span[..end]);
                    _start += end + 4;
                    return head;
                }

                if (_end - _start > MaxHeaderBytes)
                {
                    throw new BadRequest(400, "Request head too large.");
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return _end == _start ? null : throw new IOException("The connection closed in the middle of a request head.");
                }
            }
        }

        public async Task<byte[]> ReadBodyAsync(int length, CancellationToken cancellationToken)
        {
            while (_end - _start < length)
            {
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new IOException("The connection closed in the middle of a request body.");
                }
            }

            var body = _data.AsSpan(_start, length).ToArray();
            _start += length;
            return body;
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_data, _start, _data, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _data.Length)
            {
                Array.Resize(ref _data, _data.Length * 2);
            }

            var read = await stream.ReadAsync(_data.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            _end += read;
            return read > 0;
        }
    }
}
