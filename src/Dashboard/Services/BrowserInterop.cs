using Microsoft.JSInterop;

namespace Dashboard.Services;

/// <summary>Clipboard, downloads, preferences and the browser's time zone, through one lazily imported ES module.</summary>
public sealed class BrowserInterop(IJSRuntime js) : IAsyncDisposable
{
    private Task<IJSObjectReference>? _module;

    private Task<IJSObjectReference> Module => _module ??= js.InvokeAsync<IJSObjectReference>("import", "./js/interop.js").AsTask();

    public async Task<bool> CopyAsync(string text) => await (await Module).InvokeAsync<bool>("copyText", text);

    public async Task DownloadAsync(string fileName, string text, string mimeType) =>
        await (await Module).InvokeVoidAsync("downloadText", fileName, text, mimeType);

    public async Task SetPreferenceAsync(string key, string value) => await (await Module).InvokeVoidAsync("setPreference", key, value);

    public async Task<string?> GetPreferenceAsync(string key) => await (await Module).InvokeAsync<string?>("getPreference", key);

    /// <summary>The saved preferences under <paramref name="keys"/>, the system's colour scheme and the time zone, at once.</summary>
    public async Task<BrowserStartup> StartupAsync(params string[] keys) =>
        await (await Module).InvokeAsync<BrowserStartup?>("startupPreferences", (object)keys) ?? BrowserStartup.Unknown;

    public async Task FocusAsync(Microsoft.AspNetCore.Components.ElementReference element) => await (await Module).InvokeVoidAsync("focusElement", element);

    /// <summary>Scrolls <paramref name="element"/> the least needed to show the band from <paramref name="top"/>, <paramref name="height"/> high.</summary>
    public async Task KeepInViewAsync(Microsoft.AspNetCore.Components.ElementReference element, double top, double height) =>
        await (await Module).InvokeVoidAsync("keepInView", element, top, height);

    public async Task ScrollToAsync(Microsoft.AspNetCore.Components.ElementReference element, double top, double left) =>
        await (await Module).InvokeVoidAsync("scrollElementTo", element, top, left);

    /// <summary>Keeps the scrolling list <paramref name="element"/> at its end as it grows, while the reader is at its end.</summary>
    public async Task StickToEndAsync(Microsoft.AspNetCore.Components.ElementReference element) =>
        await (await Module).InvokeVoidAsync("stickToEnd", element);

    /// <summary>Scrolls the element matching <paramref name="selector"/> into view as soon as a render has added it.</summary>
    public async Task ScrollIntoViewWhenPresentAsync(string selector) =>
        await (await Module).InvokeVoidAsync("scrollIntoViewWhenPresent", selector);

    public async ValueTask DisposeAsync()
    {
        if (_module is null)
        {
            return;
        }
        try
        {
            await (await _module).DisposeAsync();
        }
        catch (Exception ex) when (ex is JSDisconnectedException or TaskCanceledException or JSException)
        {
            // The circuit is gone, or the module never loaded.
        }
    }
}
