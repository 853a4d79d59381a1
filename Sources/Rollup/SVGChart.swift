import Foundation

/// The report's charts as inline SVG: drawn on the server, so the page needs no script and no asset from
/// the network, and reads the same with JavaScript off. Every label goes through `htmlEscaped`.
///
/// Each mark carries a class (`bar`, `column`, `series`) that tests count in the rendered page.
enum SVGChart {
    /// One labelled amount.
    struct Bar {
        var label: String
        var value: Double
    }

    /// One line of a line chart: a value per x position (nil: no point there).
    struct Series {
        var name: String
        var values: [Double?]
    }

    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
    static let width = 880.0

    /// Horizontal bars, largest first as given, with the value at the end of each bar and an x axis.
    static func horizontalBars(_ bars: [Bar], valueAxis: String, title: String) -> String {
        // Room for the longest label (about 8 px a character at 13 px), within reason.
        let longest = bars.map { shortened($0.label).count }.max() ?? 0
        let (left, right, top, rowHeight) = (min(280, max(60, Double(longest) * 8 + 14)), 90.0, 10.0, 24.0)
        let plot = width - left - right
        let scale = NiceScale(maximum: bars.map(\.value).max() ?? 0)
        let height = top + Double(bars.count) * rowHeight + 50
        var svg = open(height: height, title: title)
        for tick in scale.ticks {
            let x = left + plot * tick / scale.top
            svg += line(x, top, x, top + Double(bars.count) * rowHeight, stroke: "#ddd")
            svg += text(x, top + Double(bars.count) * rowHeight + 16, format(tick), anchor: "middle", size: 11)
        }
        for (index, bar) in bars.enumerated() {
            let y = top + Double(index) * rowHeight
            let length = scale.top > 0 ? plot * bar.value / scale.top : 0
            svg += text(left - 8, y + rowHeight * 0.65, shortened(bar.label), anchor: "end", size: 13)
            svg +=
                "<rect class=\"bar\" x=\"\(f(left))\" y=\"\(f(y + 3))\" width=\"\(f(length))\" "
                + "height=\"\(f(rowHeight - 6))\" fill=\"\(palette[0])\"><title>\(bar.label.htmlEscaped): "
                + "\(format(bar.value))</title></rect>"
            svg += text(left + length + 6, y + rowHeight * 0.65, format(bar.value), anchor: "start", size: 12)
        }
        svg += text(left + plot / 2, height - 8, valueAxis, anchor: "middle", size: 12, weight: "bold")
        return svg + "</svg>"
    }

    /// Vertical columns over labelled x positions (hours), with both axes.
    static func columns(_ bars: [Bar], valueAxis: String, categoryAxis: String, title: String) -> String {
        let (left, right, top, height) = (80.0, 20.0, 10.0, 300.0)
        let plotWidth = width - left - right
        let plotHeight = height - top - 70
        let scale = NiceScale(maximum: bars.map(\.value).max() ?? 0)
        var svg = open(height: height, title: title) + axes(left, top, plotWidth, plotHeight, scale)
        let step = plotWidth / Double(max(bars.count, 1))
        let every = max(1, bars.count / 12)
        for (index, bar) in bars.enumerated() {
            let h = scale.top > 0 ? plotHeight * bar.value / scale.top : 0
            let x = left + Double(index) * step
            svg +=
                "<rect class=\"column\" x=\"\(f(x + step * 0.15))\" y=\"\(f(top + plotHeight - h))\" "
                + "width=\"\(f(step * 0.7))\" height=\"\(f(h))\" fill=\"\(palette[0])\"><title>"
                + "\(bar.label.htmlEscaped): \(format(bar.value))</title></rect>"
            if index % every == 0 {
                svg += text(x + step / 2, top + plotHeight + 16, bar.label, anchor: "middle", size: 11)
            }
        }
        svg += text(20, top + plotHeight / 2, valueAxis, anchor: "middle", size: 12, weight: "bold", rotate: true)
        svg += text(left + plotWidth / 2, height - 10, categoryAxis, anchor: "middle", size: 12, weight: "bold")
        return svg + "</svg>"
    }

    /// Lines over shared x positions, a legend under the plot.
    static func lines(_ series: [Series], xLabels: [String], valueAxis: String, timeAxis: String, title: String)
        -> String
    {
        let (left, right, top) = (80.0, 20.0, 10.0)
        let plotWidth = width - left - right
        let plotHeight = 260.0
        let legendRows = (series.count + 3) / 4
        let height = top + plotHeight + 60 + Double(legendRows) * 20
        let scale = NiceScale(maximum: series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        var svg = open(height: height, title: title) + axes(left, top, plotWidth, plotHeight, scale)
        let step = plotWidth / Double(max(xLabels.count - 1, 1))
        let every = max(1, Int((Double(xLabels.count) / 12).rounded(.up)))
        for (index, label) in xLabels.enumerated() where index % every == 0 {
            svg += text(left + Double(index) * step, top + plotHeight + 16, label, anchor: "middle", size: 11)
        }
        for (number, one) in series.enumerated() {
            let color = palette[number % palette.count]
            let points = one.values.enumerated().compactMap { index, value in
                value.map { "\(f(left + Double(index) * step)),\(f(top + plotHeight - plotHeight * $0 / scale.top))" }
            }
            svg +=
                "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" "
                + "points=\"\(points.joined(separator: " "))\"><title>\(one.name.htmlEscaped)</title></polyline>"
            let x = left + Double(number % 4) * (plotWidth / 4)
            let y = top + plotHeight + 52 + Double(number / 4) * 20
            svg += "<rect x=\"\(f(x))\" y=\"\(f(y - 10))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            svg += text(x + 18, y, one.name, anchor: "start", size: 12)
        }
        svg += text(20, top + plotHeight / 2, valueAxis, anchor: "middle", size: 12, weight: "bold", rotate: true)
        svg += text(left + plotWidth / 2, top + plotHeight + 34, timeAxis, anchor: "middle", size: 12, weight: "bold")
        return svg + "</svg>"
    }

    // MARK: Pieces

    /// A label cut to 34 characters (the whole text stays in the bar's tooltip).
    static func shortened(_ label: String) -> String { label.count > 34 ? label.prefix(33) + "…" : label }

    /// Round tick values from 0 to a little above the maximum (steps of 1, 2 or 5 times a power of ten).
    struct NiceScale {
        let top: Double
        let ticks: [Double]

        init(maximum: Double) {
            guard maximum > 0 else {
                top = 1
                ticks = [0, 1]
                return
            }
            let rough = maximum / 5
            let power = pow(10, floor(log10(rough)))
            let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
            top = (maximum / step).rounded(.up) * step
            ticks = stride(from: 0, through: top + step / 2, by: step).map { $0 }
        }
    }

    private static func open(height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\"><title>\(title.htmlEscaped)</title>"
    }

    private static func axes(_ left: Double, _ top: Double, _ width: Double, _ height: Double, _ scale: NiceScale)
        -> String
    {
        var svg = ""
        for tick in scale.ticks {
            let y = top + height - height * tick / scale.top
            svg += line(left, y, left + width, y, stroke: "#ddd")
            svg += text(left - 6, y + 4, format(tick), anchor: "end", size: 11)
        }
        return svg + line(left, top + height, left + width, top + height, stroke: "#333")
            + line(left, top, left, top + height, stroke: "#333")
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\"/>"
    }

    private static func text(
        _ x: Double, _ y: Double, _ content: String, anchor: String, size: Int, weight: String = "normal",
        rotate: Bool = false
    ) -> String {
        let transform = rotate ? " transform=\"rotate(-90 \(f(x)) \(f(y)))\"" : ""
        return "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" "
            + "font-weight=\"\(weight)\"\(transform)>\(content.htmlEscaped)</text>"
    }

    /// Coordinates with one decimal: enough on screen, and a page of predictable size.
    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// An amount or count as people read it: thousands separated, cents only below 1,000.
    static func format(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        formatter.maximumFractionDigits = abs(value) < 1_000 && value != value.rounded() ? 2 : 0
        formatter.minimumFractionDigits = formatter.maximumFractionDigits
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }
}
