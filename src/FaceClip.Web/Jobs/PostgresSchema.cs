using Npgsql;

namespace FaceClip.Web.Jobs;

/// <summary>Creates the tables of a PostgreSQL store on first use. Each store's statements run in one transaction
/// under an advisory lock of its own, so nodes starting together do not race to create the same table.</summary>
public static class PostgresSchema
{
    public static NpgsqlDataSource Open(string connectionString, long lockKey, string statements)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var source = NpgsqlDataSource.Create(connectionString);
        using var connection = source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@lock);\n" + statements, connection, transaction))
        {
            command.Parameters.AddWithValue("lock", lockKey);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return source;
    }
}
