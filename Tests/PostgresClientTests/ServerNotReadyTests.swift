import PostgresClient
import Testing

/// `rollup migrate --wait` waits for a server that is not there yet, never for one that refused the login.
@Suite struct ServerNotReadyTests {
    @Test(arguments: [
        "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused",
        "connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: No such file or directory",
        "connection to server at \"db\" failed: FATAL: the database system is starting up",
        "could not translate host name \"postgres\" to address: Name or service not known",
    ])
    func aServerNotThereYetIsWaitedFor(_ message: String) {
        #expect(PostgresError(.connectionFailed, message: message).isServerNotReady)
    }

    @Test(arguments: [
        "connection to server at \"127.0.0.1\" failed: FATAL: password authentication failed for user \"loader\"",
        "connection to server at \"127.0.0.1\" failed: fe_sendauth: no password supplied",
        "connection to server at \"127.0.0.1\" failed: FATAL: database \"purchase\" does not exist",
    ])
    func aRefusalIsNot(_ message: String) {
        #expect(!PostgresError(.connectionFailed, message: message).isServerNotReady)
    }
}
