namespace Dashboard.Services;

public enum LiveStatus
{
    /// <summary>No page of this circuit follows anything live.</summary>
    Idle,
    Connecting,
    Live,
    Reconnecting,
    Offline,
}
