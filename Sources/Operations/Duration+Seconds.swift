extension Duration {
    /// The duration as a gauge records it: seconds, with the fraction.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
