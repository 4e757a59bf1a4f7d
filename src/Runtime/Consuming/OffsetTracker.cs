namespace Kafka.Typed;

/// <summary>
/// A partition's safe position when its records may finish out of order: records are <see cref="Begin">begun</see> in
/// offset order and <see cref="Finish">finished</see> in any order; <see cref="SafeDone"/> is the last offset of the
/// finished prefix, so the offset stored after it (<c>SafeDone + 1</c>) is never past a record still unfinished.
/// </summary>
/// <remarks>
/// In order (<see cref="Advance"/>, nothing begun) is the degenerate case: the finished prefix grows by one record at a
/// time and no bookkeeping is kept. Begun records sit in a ring in offset order, so a finish is a binary search and the
/// prefix advances by popping finished heads; the ring holds at most the records in flight (plus those finished after
/// the oldest unfinished one). <see cref="Begin"/>/<see cref="Finish"/> are thread-safe; <see cref="SafeDone"/> reads
/// without a lock.
/// </remarks>
internal sealed class OffsetTracker
{
    private readonly Lock _lock = new();
    private long _safe = -1;
    private long[] _offsets = new long[16];
    private bool[] _finished = new bool[16];
    private int _head;
    private int _count;

    /// <summary>The last offset such that every begun record at or before it finished, or <see langword="null"/> when none did yet.</summary>
    public long? SafeDone => Interlocked.Read(ref _safe) is var safe and >= 0 ? safe : null;

    /// <summary>Begun records not yet part of the finished prefix (unfinished, or finished after an unfinished one).</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>The lowest unfinished begun offset, or <see langword="null"/> when every begun record finished.</summary>
    public long? LowestUnfinished
    {
        get
        {
            lock (_lock)
            {
                return _count == 0 ? null : _offsets[_head];
            }
        }
    }

    /// <summary>In-order use: <paramref name="offset"/> finished and no record before it is unfinished (nothing may be <see cref="Begin">begun</see> on this tracker).</summary>
    public void Advance(long offset) => Interlocked.Exchange(ref _safe, offset);

    /// <summary>Records that <paramref name="offset"/> started; offsets must be begun in increasing order.</summary>
    public void Begin(long offset)
    {
        lock (_lock)
        {
            if (_count > 0 && offset <= _offsets[(_head + _count - 1) % _offsets.Length])
            {
                throw new InvalidOperationException($"Offset {offset} was begun after a later or equal offset; records of a partition must be begun in offset order.");
            }

            if (_count == _offsets.Length)
            {
                Grow();
            }

            var at = (_head + _count) % _offsets.Length;
            _offsets[at] = offset;
            _finished[at] = false;
            _count++;
        }
    }

    /// <summary>Records that the begun <paramref name="offset"/> finished; returns whether <see cref="SafeDone"/> moved.</summary>
    public bool Finish(long offset)
    {
        lock (_lock)
        {
            var index = Find(offset);
            if (index < 0)
            {
                throw new InvalidOperationException($"Offset {offset} finished but was not begun (or finished twice).");
            }

            _finished[index] = true;
            if (index != _head)
            {
                return false;
            }

            var safe = -1L;
            while (_count > 0 && _finished[_head])
            {
                safe = _offsets[_head];
                _head = (_head + 1) % _offsets.Length;
                _count--;
            }

            Interlocked.Exchange(ref _safe, safe);
            return true;
        }
    }

    /// <summary>The ring index of an unfinished begun <paramref name="offset"/>, or -1 (binary search over the ring in offset order).</summary>
    private int Find(long offset)
    {
        int low = 0, high = _count - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var index = (_head + mid) % _offsets.Length;
            var value = _offsets[index];
            if (value == offset)
            {
                return _finished[index] ? -1 : index;
            }

            if (value < offset)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return -1;
    }

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var finished = new bool[offsets.Length];
        for (var i = 0; i < _count; i++)
        {
            var from = (_head + i) % _offsets.Length;
            offsets[i] = _offsets[from];
            finished[i] = _finished[from];
        }

        _offsets = offsets;
        _finished = finished;
        _head = 0;
    }
}
