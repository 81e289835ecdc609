namespace Dashboard.Services;

public enum LiveStatus
{
    /// <summary>No page of this circuit follows anything live.</summary>
    Idle,

    /// <summary>A page is subscribing (reading what it missed since its snapshot).</summary>
    Connecting,

    /// <summary>At least one subscription delivers live events.</summary>
    Live,

    /// <summary>A subscription could not be made (the service did not answer); the page still works, Refresh reloads.</summary>
    Offline,
}
