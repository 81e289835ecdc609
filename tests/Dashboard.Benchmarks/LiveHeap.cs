using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Dashboard.Benchmarks;

/// <summary>
/// The managed memory another .NET process keeps alive: a full blocking GC is induced in it over EventPipe (as
/// dotnet-gcdump does) and the bytes that survived that GC are read from its heap statistics. Unlike the resident set,
/// this leaves out garbage not yet collected and memory the runtime keeps for later.
/// </summary>
internal static class LiveHeap
{
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
}
