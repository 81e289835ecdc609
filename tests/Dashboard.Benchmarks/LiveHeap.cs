using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Dashboard.Benchmarks;

/// <summary>
/// The managed memory another .NET process keeps alive: a full blocking GC is induced in it over EventPipe (as
/// dotnet-gcdump does) and the bytes that survived that GC are read from its heap statistics. Unlike the resident set,
/// this leaves out garbage not yet collected and memory the runtime keeps for later. Or, with the heap-dump keywords, every
/// surviving object's size added to its type's total.
/// </summary>
internal static class LiveHeap
{
    /// <summary>
    /// What is alive once the process has been left idle long enough for the shared array pool to trim. The pool stamps
    /// what it holds at one gen2 GC, then drops thread-local buffers unused for 30 s and, per core, one buffer per size
    /// unused for 60 s, one more every 15 s after that, at later gen2 GCs. So: a GC every 16 s from the first minute on,
    /// until two readings in a row agree within 0.5 MB (at most about six minutes).
    /// </summary>
    public static async Task<double> MegabytesWhenIdleAsync(int processId)
    {
        var last = await MegabytesAsync(processId);
        await Task.Delay(TimeSpan.FromSeconds(62));
        for (var i = 0; i < 20; i++)
        {
            var now = await MegabytesAsync(processId);
            if (i > 0 && Math.Abs(now - last) < 0.5)
            {
                return now;
            }
            last = now;
            await Task.Delay(TimeSpan.FromSeconds(16));
        }
        return last;
    }

    public static async Task<double> MegabytesAsync(int processId)
    {
        var client = new DiagnosticsClient(processId);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords)], requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var induced = false;
        var live = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Clr.GCStart += e => induced = e.Depth == 2 && e.Reason == GCReason.Induced;
        source.Clr.GCHeapStats += e =>
        {
            if (induced)
            {
                live.TrySetResult(e.TotalPromoted / 1024.0 / 1024.0);
            }
        };
        var pump = Task.Run(source.Process);
        try
        {
            return await live.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await session.StopAsync(CancellationToken.None);
            await pump;
        }
    }

    // By type: where the memory goes. For finding what to cut; the results' figures come from MegabytesAsync.

    public sealed record TypeTotal(string Type, long Bytes, long Count);

    public static async Task<Dictionary<string, TypeTotal>> ByTypeAsync(int processId)
    {
        var client = new DiagnosticsClient(processId);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect | ClrTraceEventParser.Keywords.GCHeapDump
            | ClrTraceEventParser.Keywords.GCHeapAndTypeNames | ClrTraceEventParser.Keywords.Type);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, keywords)], requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var names = new Dictionary<ulong, string>();
        var sizes = new Dictionary<ulong, (long Bytes, long Count)>();
        var large = new List<(ulong TypeID, long Size)>();
        var induced = false;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Clr.GCStart += e => induced = e.Depth == 2 && e.Reason == GCReason.Induced;
        source.Clr.TypeBulkType += e =>
        {
            for (var i = 0; i < e.Count; i++)
            {
                var value = e.Values(i);
                names[value.TypeID] = value.TypeName;
            }
        };
        source.Clr.GCBulkNode += e =>
        {
            for (var i = 0; i < e.Count; i++)
            {
                var node = e.Values(i);
                sizes.TryGetValue(node.TypeID, out var total);
                if (node.Size >= 256 * 1024)
                {
                    large.Add((node.TypeID, (long)node.Size));
                }
                sizes[node.TypeID] = (total.Bytes + (long)node.Size, total.Count + 1);
            }
        };
        source.Clr.GCHeapStats += _ =>
        {
            if (induced)
            {
                done.TrySetResult();
            }
        };
        var pump = Task.Run(source.Process);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(120));
        // The type names follow the nodes; stopping drains what is left of the stream.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await session.StopAsync(CancellationToken.None);
        await pump;
        foreach (var group in large.GroupBy(l => (l.TypeID, l.Size / (256 * 1024))).OrderBy(g => g.Key.Item2))
        {
            Console.WriteLine($"  large: {group.Count()} x ~{group.Key.Item2 / 4.0:F2} MB {names.GetValueOrDefault(group.Key.TypeID)}");
        }
        return sizes
            .Select(s => new TypeTotal(names.GetValueOrDefault(s.Key, $"type {s.Key:x}"), s.Value.Bytes, s.Value.Count))
            .GroupBy(t => t.Type)
            .ToDictionary(g => g.Key, g => new TypeTotal(g.Key, g.Sum(t => t.Bytes), g.Sum(t => t.Count)));
    }

    /// <summary>The types that grew most from one reading to another, per step (per tab, say).</summary>
    public static void PrintGrowth(Dictionary<string, TypeTotal> before, Dictionary<string, TypeTotal> after, int per, int top = 40)
    {
        var growth = after.Values
            .Select(a => (a.Type, Bytes: a.Bytes - (before.GetValueOrDefault(a.Type)?.Bytes ?? 0), Count: a.Count - (before.GetValueOrDefault(a.Type)?.Count ?? 0)))
            .OrderByDescending(g => g.Bytes)
            .ToList();
        Console.WriteLine($"total growth per step: {growth.Sum(g => g.Bytes) / per / 1024.0 / 1024.0:F2} MB");
        foreach (var (type, bytes, count) in growth.Take(top))
        {
            Console.WriteLine($"{bytes / per / 1024.0,10:F1} KB {count / per,9} objs  {type}");
        }
    }
}
