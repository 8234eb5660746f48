using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// Statements sent to PostgreSQL together, in one round trip, on the context's connection (in its transaction if one
/// is open). Outside an explicit transaction they commit or fail together: the batch ends with one Sync, so PostgreSQL
/// runs it as one implicit transaction. Each statement's parameters are positional (<c>$1</c>, <c>$2</c>… in the order
/// given): Npgsql then sends the text as written, where named parameters made it parse and rewrite every statement of
/// every send, and each statement's text stays the same from call to call, so it stays prepared.
/// </summary>
internal sealed class PostgresBatch
{
    private readonly List<NpgsqlBatchCommand> _commands = [];

    /// <summary>Adds a statement; a value may be an <see cref="NpgsqlParameter"/> (a null needs its type), anything else is inferred.</summary>
    public void Add(string statement, params ReadOnlySpan<object> values)
    {
        var command = new NpgsqlBatchCommand(statement);
        foreach (var value in values) command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        _commands.Add(command);
    }

    public async Task ExecuteAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
                (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
            foreach (var command in _commands) batch.BatchCommands.Add(command);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
