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
/// <para>
/// An implicit batch runs on prepared statements' generic plans. Its statements read their rows from arrays
/// (<c>unnest($1)</c>), and a custom plan sees an array's length where the generic plan guesses ten rows, so for
/// one-message batches PostgreSQL judged the generic plan dearer and planned every statement of every send anew
/// (a fifth of its CPU in sequential sends, mostly the edges' subqueries). Their plans do not depend on the values:
/// inserts, and probes of unique keys.
/// </para>
/// </summary>
internal sealed class PostgresBatch
{
    private const string GenericPlans = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)";

    private readonly List<NpgsqlBatchCommand> _commands = [];

    /// <summary>Adds a statement; a value may be an <see cref="NpgsqlParameter"/> (a null needs its type), anything else is inferred.</summary>
    public void Add(string statement, params ReadOnlySpan<object> values)
    {
        var command = new NpgsqlBatchCommand(statement);
        foreach (var value in values) command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        PostgresText.Clean(command.Parameters);
        _commands.Add(command);
    }

    public async Task ExecuteAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
                (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
            // set_config(…, true) lasts until the implicit transaction's end, the batch's Sync; inside an explicit
            // transaction it would outlast the batch, so that keeps PostgreSQL's own choice.
            if (db.Database.CurrentTransaction is null) batch.BatchCommands.Add(new NpgsqlBatchCommand(GenericPlans));
            foreach (var command in _commands) batch.BatchCommands.Add(command);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
