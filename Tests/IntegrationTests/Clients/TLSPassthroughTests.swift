import KafkaClient
import PostgresClient
import Testing

/// TLS settings reach libpq and librdkafka untouched: the test cluster speaks neither TLS dialect, so a
/// setting that demands TLS must fail, with the library's own words, and a password never shows.
@Suite struct TLSPassthroughTests {
    @Test func sslmodeReachesLibpq() throws {
        let db = try TestDatabase(migrate: false)
        // Over TCP: libpq never uses TLS on a Unix socket. (A later keyword overrides an earlier one.)
        let refused = #expect(throws: PostgresError.self) {
            try PostgresConnection(settings: db.settings + " host=127.0.0.1 sslmode=require password=Hunter2Secret")
        }
        #expect(refused?.message.contains("SSL") == true, "\(refused?.message ?? "connected")")
        #expect(refused?.description.contains("Hunter2Secret") == false)
        // verify-full without a root certificate is refused before any byte is sent.
        #expect(throws: PostgresError.self) {
            try PostgresConnection(
                settings: db.settings + " host=127.0.0.1 sslmode=verify-full sslrootcert=/nonexistent/ca.pem")
        }
    }

    @Test func securityProtocolReachesLibrdkafka() throws {
        let kafka = try TestKafka(partitions: 1)
        var configuration = kafka.configuration
        configuration.properties["security.protocol"] = "ssl"
        configuration.properties["ssl.ca.location"] = "/nonexistent/ca.pem"
        configuration.properties["ssl.key.password"] = "Hunter2Secret"
        let refused = #expect(throws: KafkaError.self) {
            try KafkaProducer(configuration: configuration, topic: kafka.topic, logger: TestEnvironment.logger)
        }
        #expect(refused?.message.contains("ssl.ca.location") == true, "\(refused?.message ?? "created")")
        #expect("\(refused.map { "\($0)" } ?? "")".contains("Hunter2Secret") == false)
        #expect(!configuration.redactedDescription.contains("Hunter2Secret"))
    }
}
