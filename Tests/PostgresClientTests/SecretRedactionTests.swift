import PostgresClient
import Testing

/// A connection string libpq cannot parse still must not leak its password: libpq's parse errors quote
/// the offending token, which may be the password itself (found by the fault suite).
@Suite struct SecretRedactionTests {
    @Test(arguments: [
        "postgresql://u@[bad?password=Hunter2Secret",
        "postgresql://u@127.0.0.1:1/db?password=Hunter2Secret%zz",
        "postgresql://u:Hunter2Secret@[bad",
        "postgresql://u@[bad?sslmode=require&PASSWORD=Hunter%32Secret",
        "host=x password='Hunter2Secret port=5432",
    ])
    func malformedSettingsNeverEchoThePassword(_ settings: String) {
        let error = #expect(throws: PostgresError.self) { try PostgresConnection.validate(settings: settings) }
        #expect(error?.code == .invalidSettings)
        #expect(
            error.map { !$0.description.contains("Hunter2Secret") && !$0.description.contains("Hunter%32") } == true,
            "\(error?.description ?? "")")
    }

    @Test func aShortPasswordDoesNotBlankOutTheRestOfTheMessage() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection.validate(settings: "postgresql://a:b@[bad")
        }
        #expect(error?.message.contains("postgresql://a:***@[bad") == true, "\(error?.message ?? "")")
    }
}
