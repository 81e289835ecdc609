using System.Collections.Concurrent;

namespace Dashboard.Hubs;

/// <summary>
/// The relay subscriptions of each hub connection (a hub instance lives for one call only): joining again replaces a
/// subscription, and a connection's subscriptions end with it.
/// </summary>
public sealed class HubSubscriptions : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, IDisposable>> _byConnection = new(StringComparer.Ordinal);

    public void Set(string connectionId, string key, IDisposable subscription)
    {
        var mine = _byConnection.GetOrAdd(connectionId, _ => new(StringComparer.Ordinal));
        IDisposable? replaced = null;
        mine.AddOrUpdate(key, subscription, (_, old) =>
        {
            replaced = old;
            return subscription;
        });
        replaced?.Dispose();
    }

    /// <summary>Whether <paramref name="connectionId"/> holds a subscription under <paramref name="key"/>.</summary>
    public bool Has(string connectionId, string key) => _byConnection.TryGetValue(connectionId, out var mine) && mine.ContainsKey(key);

    /// <summary>How many subscriptions <paramref name="connectionId"/> holds under keys starting <paramref name="prefix"/>.</summary>
    public int Count(string connectionId, string prefix) =>
        _byConnection.TryGetValue(connectionId, out var mine) ? mine.Keys.Count(k => k.StartsWith(prefix, StringComparison.Ordinal)) : 0;

    public void Remove(string connectionId, string key)
    {
        if (_byConnection.TryGetValue(connectionId, out var mine) && mine.TryRemove(key, out var subscription))
        {
            subscription.Dispose();
        }
    }

    public void RemoveAll(string connectionId)
    {
        if (_byConnection.TryRemove(connectionId, out var mine))
        {
            foreach (var subscription in mine.Values)
            {
                subscription.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var connectionId in _byConnection.Keys)
        {
            RemoveAll(connectionId);
        }
    }
}
