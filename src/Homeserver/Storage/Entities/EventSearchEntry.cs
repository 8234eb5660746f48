namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// The searchable text of one unencrypted event (content.body, content.name or content.topic), written
/// when the event is persisted (on PostgreSQL a local batch's just after, by Events/Search/SearchIndexer)
/// and deleted when it is redacted. Full-text indexing is provider-specific
/// and lives beside the table: a generated tsvector column with a GIN index on PostgreSQL, an FTS5
/// external-content table kept in step by triggers on SQLite (Storage/SearchMigrations).
/// </summary>
public sealed class EventSearchEntry
{
    /// <summary>Row ID; SQLite's FTS5 table uses it as its rowid.</summary>
    public long Id { get; set; }
    public required string EventId { get; set; }
    public required string RoomId { get; set; }
    public required string Sender { get; set; }
    public required string Type { get; set; }

    /// <summary>The search key the text came from: content.body, content.name or content.topic.</summary>
    public required string Key { get; set; }
    public required string Value { get; set; }
    public long StreamOrdering { get; set; }
    public long OriginServerTs { get; set; }
}
