#!/usr/bin/env python3
"""Daily rates from the ECB's euro reference rates, in the form `rollup rates load` reads.

    python3 scripts/ecb_rates.py eurofxref-hist.zip [--quote USD|EUR] [--months 3] [--currencies ...] > rates.csv

The ECB publishes, each TARGET business day, how many units of about 30 currencies one euro buys
(https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip, or the CSV inside it). One dollar buys
(currency per euro) / (dollars per euro) units; the euro itself is 1 / (dollars per euro). With --quote EUR
the figures are the ECB's own (units per euro), and the dollar is one of them. Computed with decimals,
rounded half up to 6 significant digits. The ECB quotes none of the three-decimal currencies;
their US-dollar pegs (BHD 0.376, OMR 0.3845, JOD 0.709 per dollar, published by their central banks) are
added once, from the first day. This is how data/exchange_rates.csv was made.
"""
import argparse
import csv
import datetime
import io
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal, getcontext

getcontext().prec = 40
SOURCE = "ECB euro reference rate, USD cross"
EUR_SOURCE = "ECB euro reference rate"
PEGS = [("BHD", "0.376", "USD peg (Central Bank of Bahrain)"), ("OMR", "0.3845", "USD peg (Central Bank of Oman)"),
        ("JOD", "0.709", "USD peg (Central Bank of Jordan)")]
DEFAULT = "EUR GBP CAD JPY AUD SEK BRL INR MXN PLN CHF NOK DKK SGD KRW ZAR NZD"


def significant(value, digits=6):
    return format(value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1), rounding=ROUND_HALF_UP), "f")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="eurofxref-hist.zip or eurofxref-hist.csv")
    parser.add_argument("--months", type=int, default=3, help="how many months back from the latest day (3)")
    parser.add_argument("--currencies", default=DEFAULT.replace(" ", ","), help="comma-separated ISO codes")
    parser.add_argument("--quote", choices=["USD", "EUR"], default="USD", help="the quote currency (USD)")
    args = parser.parse_args()
    text = (zipfile.ZipFile(args.file).read("eurofxref-hist.csv").decode() if args.file.endswith(".zip")
            else open(args.file, encoding="utf-8").read())
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader)]
    days = sorted((datetime.date.fromisoformat(r[0].strip()), dict(zip(header, r))) for r in reader if r and r[0].strip())
    latest = days[-1][0]
    year, month = divmod(latest.year * 12 + latest.month - 1 - args.months, 12)
    start = datetime.date(year, month + 1, min(latest.day, 28))
    rows = []
    for day, values in days:
        if day < start or values.get("USD", "N/A").strip() in ("", "N/A"):
            continue
        dollar = Decimal(values["USD"].strip())
        # Units of the quote currency per euro: what each per-euro figure is divided by.
        quote = dollar if args.quote == "USD" else Decimal(1)
        codes = args.currencies.split(",") + (["USD"] if args.quote == "EUR" else [])
        for code in codes:
            if code == args.quote:
                continue
            quoted = "1" if code == "EUR" else values.get(code, "N/A").strip()
            if quoted in ("", "N/A"):
                continue
            rows.append((code, day.isoformat(), significant(Decimal(quoted) / quote), SOURCE if args.quote == "USD" else EUR_SOURCE))
    first = min(row[1] for row in rows)
    first_dollar = next(Decimal(v["USD"]) for d, v in days if d.isoformat() == first)
    for code, rate, source in PEGS:
        # A dollar peg in euros: the peg times the first day's dollars per euro.
        rows.append((code, first, rate if args.quote == "USD" else significant(Decimal(rate) * first_dollar),
                     source if args.quote == "USD" else source + ", at the ECB's dollar rate of " + first))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["currency", "valid_from", f"units_per_{args.quote.lower()}", "source"])
    writer.writerows(sorted(rows))


if __name__ == "__main__":
    main()
