using Npgsql;

namespace FaceClip.Web.Tests.Distributed;

/// <summary>The Redis and PostgreSQL servers the distributed backend's tests run against: started on loopback by
/// <c>scripts/services.sh</c> (which <c>scripts/test.sh</c> runs) and named by two environment variables. Each test
/// takes a database and a key prefix of its own, so tests neither see nor disturb one another.</summary>
public static class DistributedServices
{
    public static string Redis => Variable("FACECLIP_TEST_REDIS");

    public static string Postgres => Variable("FACECLIP_TEST_POSTGRES");

    /// <summary>A new, empty database; its connection string.</summary>
    public static async Task<string> NewDatabaseAsync()
    {
        var name = "faceclip_" + Guid.NewGuid().ToString("N")[..16];
        await using (var source = NpgsqlDataSource.Create(Postgres))
        await using (var command = source.CreateCommand($"CREATE DATABASE {name}"))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    /// <summary>A Redis key prefix no other test uses.</summary>
    public static string NewPrefix() => "test-" + Guid.NewGuid().ToString("N")[..16];

    private static string Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{name} is not set. The distributed backend's tests need Redis and PostgreSQL: run scripts/test.sh, which starts " +
            "throwaway servers, or start them with `eval \"$(bash scripts/services.sh start)\"` before `dotnet test`.");
}
