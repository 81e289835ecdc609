using Dashboard.Model;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Controls;

/// <summary>
/// Free text from a run, rendered with its hidden characters as markers (<see cref="HiddenCharacters"/>): an error
/// message holding a right-to-left override reads as what was sent, not reversed. A render fragment rather than a
/// component, because it is used once per row of virtualized lists (log lines, the JSON tree), and text without such
/// characters renders as one text node, exactly as <c>@text</c> would.
/// </summary>
public static class VisibleText
{
    public static RenderFragment Of(string? text) => builder =>
    {
        if (!HiddenCharacters.Any(text))
        {
            builder.AddContent(0, text);
            return;
        }
        foreach (var part in HiddenCharacters.Split(text!))
        {
            if (part.IsMarker)
            {
                builder.OpenElement(1, "span");
                builder.AddAttribute(2, "class", "hidden-char");
                builder.AddAttribute(3, "title", part.Marker);
                builder.AddAttribute(4, "aria-label", part.Marker);
                builder.AddAttribute(5, "role", "img");
                builder.AddContent(6, part.Text);
                builder.CloseElement();
            }
            else
            {
                builder.AddContent(7, part.Text);
            }
        }
    };
}
