using Dashboard.Model.Runs;
using MudBlazor;

namespace Dashboard.Components.Controls;

/// <summary>One mapping of step statuses to colours, for chips, bars and icons alike.</summary>
internal static class StepStatusStyle
{
    public static Color Color(StepStatus status) => status switch
    {
        StepStatus.Completed => MudBlazor.Color.Success,
        StepStatus.Failed => MudBlazor.Color.Error,
        StepStatus.Running => MudBlazor.Color.Primary,
        StepStatus.Skipped => MudBlazor.Color.Default,
        _ => MudBlazor.Color.Secondary,
    };

    public static string CssClass(StepStatus status) => "status-" + status.ToString().ToLowerInvariant();

    public static string Name(StepStatus status) => status.ToString().ToLowerInvariant();
}
