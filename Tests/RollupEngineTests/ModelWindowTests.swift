import Testing

@testable import RollupEngine

@Suite struct ModelWindowTests {
    @Test func sizesThatTileADayAndCalendarUnits() {
        #expect(ModelWindow.size(parsing: "15 minutes") == .minutes(15))
        #expect(ModelWindow.size(parsing: "1 minute") == .minutes(1))
        #expect(ModelWindow.size(parsing: "2 hours") == .minutes(120))
        #expect(ModelWindow.size(parsing: "24 hours") == .day)
        #expect(ModelWindow.size(parsing: "1 day") == .day)
        #expect(ModelWindow.size(parsing: "1 Week") == .week)
        #expect(ModelWindow.size(parsing: "1 month") == .month)
        for refused in ["7 minutes", "5 hours", "2 days", "90 seconds", "0 minutes", "1 year", "fortnight", "2 months"]
        {
            #expect(ModelWindow.size(parsing: refused) == nil, "\(refused)")
        }
        #expect(ModelWindow(.minutes(120)).interval == "2 hours")
        #expect(ModelWindow(.week, zone: "Europe/Berlin").description == "1 week (Europe/Berlin)")
    }

    /// A derived model's windows must be unions of whole source windows.
    @Test func windowsNestInTheirSources() {
        let utc = { (size: ModelWindow.Size) in ModelWindow(size) }
        let kolkata = { (size: ModelWindow.Size) in ModelWindow(size, zone: "Asia/Kolkata") }
        #expect(utc(.minutes(60)).nests(in: utc(.minutes(1))))
        #expect(utc(.minutes(15)).nests(in: utc(.minutes(5))))
        #expect(!utc(.minutes(15)).nests(in: utc(.minutes(10))))
        #expect(utc(.day).nests(in: utc(.minutes(60))))
        #expect(utc(.week).nests(in: utc(.day)) && utc(.month).nests(in: utc(.day)))
        #expect(!utc(.month).nests(in: utc(.week)) && !utc(.day).nests(in: utc(.week)))
        // A Kolkata day starts at 18:30 UTC: it is made of UTC minutes and quarter hours, not of UTC hours.
        #expect(kolkata(.day).nests(in: utc(.minutes(1))))
        #expect(kolkata(.day).nests(in: utc(.minutes(15))))
        #expect(!kolkata(.day).nests(in: utc(.minutes(60))))
        #expect(!kolkata(.month).nests(in: utc(.day)))
        #expect(kolkata(.month).nests(in: kolkata(.day)))
    }
}
