using Bunit;
using Microsoft.JSInterop;
using MudBlazor.Interop;

namespace Dashboard.Web.Tests;

/// <summary>
/// What the browser does for a MudBlazor chart that fills its box: it reports the box's size, and only then is the chart
/// drawn. bUnit has no layout, so the tests report a size for every chart that asked to be told.
/// </summary>
internal static class ChartSizes
{
    public static Task ReportAsync(BunitJSInterop interop, IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> cut, double width, double height)
    {
        var charts = interop.Invocations["mudObserveElementSize"].Select(call => call.Arguments[0]).OfType<object>()
            .Select(reference => reference.GetType().GetProperty(nameof(DotNetObjectReference<object>.Value))!.GetValue(reference)!).Distinct().ToList();
        return cut.InvokeAsync(async () =>
        {
            foreach (var chart in charts)
            {
                var changed = chart.GetType().GetMethod("OnElementSizeChanged")!.Invoke(chart, [new ElementSize { Width = width, Height = height }]);
                if (changed is Task task)
                {
                    await task;
                }
            }
        });
    }
}
