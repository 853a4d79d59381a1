import Testing

@testable import ProcessSupport

@Suite struct ArgumentTests {
    @Test func parsesDurations() {
        #expect(DurationArgument(argument: "500ms")?.milliseconds == 500)
        #expect(DurationArgument(argument: "30s")?.milliseconds == 30_000)
        #expect(DurationArgument(argument: "5m")?.milliseconds == 300_000)
        #expect(DurationArgument(argument: "2h")?.milliseconds == 7_200_000)
        #expect(DurationArgument(argument: "1.5")?.milliseconds == 1_500)
        #expect(DurationArgument(argument: "soon") == nil)
        #expect(DurationArgument(argument: "-1s") == nil)
    }

    @Test func parsesRates() {
        #expect(RateArgument(argument: "unlimited")?.perSecond == nil)
        #expect(RateArgument(argument: "2500")?.perSecond == 2_500)
        #expect(RateArgument(argument: "fast") == nil)
    }

    @Test func parsesPartitionLists() throws {
        #expect(PartitionListArgument(argument: "all") == .all)
        #expect(PartitionListArgument(argument: "3") == .some([3]))
        #expect(PartitionListArgument(argument: "4-6,0,5") == .some([0, 4, 5, 6]))
        for bad in ["", "1,", "-1", "3-1", "a", "1-", "0-999999"] {
            #expect(PartitionListArgument(argument: bad) == nil, "\(bad)")
        }
        #expect(try PartitionListArgument.all.resolve(partitionCount: 3, topic: "t") == [0, 1, 2])
        let error = #expect(throws: PipelineError.self) {
            try PartitionListArgument.some([2, 3]).resolve(partitionCount: 3, topic: "t")
        }
        #expect(error?.code == .configuration)
    }
}
