import Testing

@testable import PostgresClient

/// Result cells are read as typed values, never with force unwraps: a surprise is an error, not a crash.
@Suite struct TypedValueTests {
    @Test func parsesPostgresTextForms() {
        #expect(Int64(postgresText: "9223372036854775807") == .max)
        #expect(Int32(postgresText: "-7") == -7)
        #expect(Int(postgresText: "12") == 12)
        #expect(Bool(postgresText: "t") == true)
        #expect(Bool(postgresText: "f") == false)
        #expect(String(postgresText: "DE") == "DE")
    }

    @Test func rejectsWhatIsNotOfTheType() {
        #expect(Int32(postgresText: "2147483648") == nil)
        #expect(Int(postgresText: "1.5") == nil)
        #expect(Bool(postgresText: "true") == nil)
        #expect(Int64(postgresText: "") == nil)
    }

    @Test func writesArrayParameters() {
        #expect(PostgresArray.integers([Int32]()) == "{}")
        #expect(PostgresArray.integers([3, 1, 2] as [Int64]) == "{3,1,2}")
        #expect(PostgresArray.integers([5, nil, 7] as [Int64?]) == "{5,NULL,7}")
    }
}
