namespace Matrix.Homeserver.Configuration;

/// <summary>Homeserver:FederationEvents: how room events travel to and from other servers.</summary>
public sealed class FederationEventsOptions
{
    /// <summary>
    /// How long PUT /send waits for its PDUs before answering; PDUs still being processed then go on in the
    /// background and are answered as accepted. Keep it below senders' request timeouts (Synapse's is 60 s).
    /// </summary>
    public int TransactionBudgetSeconds { get; set; } = 30;

    /// <summary>Rooms of one inbound transaction processed at the same time.</summary>
    public int InboundRoomConcurrency { get; set; } = 10;

    /// <summary>The most time one received PDU may take, fetching what it misses included.</summary>
    public int PduTimeoutSeconds { get; set; } = 120;

    /// <summary>The most events one received PDU may make us fetch (auth chains, state at a gap).</summary>
    public int MaxFetchedEvents { get; set; } = 50_000;

    /// <summary>Events asked for with /get_missing_events when a received PDU's prev events are unknown.</summary>
    public int MissingEventsLimit { get; set; } = 10;

    /// <summary>Events asked for per /backfill request when a client pages past the start of our history.</summary>
    public int BackfillLimit { get; set; } = 50;

    /// <summary>Transactions in flight at once, over every destination.</summary>
    public int SenderConcurrency { get; set; } = 32;

    /// <summary>Time allowed for one outbound transaction.</summary>
    public int SenderRequestTimeoutSeconds { get; set; } = 60;

    /// <summary>First wait after a destination fails; each further failure doubles it (with jitter).</summary>
    public int SenderMinRetryMilliseconds { get; set; } = 1_000;

    /// <summary>The longest wait between attempts to a failing destination.</summary>
    public int SenderMaxRetryMilliseconds { get; set; } = 3_600_000;
}
