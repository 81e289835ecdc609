namespace Dashboard.Streams.Storage;

/// <summary>
/// The messages a write transaction's writes hand to its commit (<see cref="IStreamWriter.TryAppendAtCommit"/>), kept as
/// each write succeeds (a transaction one of whose writes fails stores none of them), in the order they were added.
/// </summary>
internal sealed class AppendsAtCommit
{
    private readonly List<(string Path, ReadOnlyMemory<byte> Message)> _current = [];
    private readonly List<(string Path, ReadOnlyMemory<byte> Message)> _kept = [];

    public void Add(string path, ReadOnlyMemory<byte> message) => _current.Add((path, message));

    public void Keep()
    {
        _kept.AddRange(_current);
        _current.Clear();
    }

    /// <summary>The kept messages by stream, the streams in the order their first message came, each's in its order.</summary>
    public IEnumerable<(string Path, List<ReadOnlyMemory<byte>> Messages)> KeptByPath()
    {
        var byPath = new Dictionary<string, List<ReadOnlyMemory<byte>>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (path, message) in _kept)
        {
            if (!byPath.TryGetValue(path, out var messages))
            {
                byPath[path] = messages = [];
                order.Add(path);
            }
            messages.Add(message);
        }
        return order.Select(path => (path, byPath[path]));
    }

    public void Clear()
    {
        _current.Clear();
        _kept.Clear();
    }
}
