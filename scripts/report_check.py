#!/usr/bin/env python3
"""`rollup report --html` in a real browser: headless Chromium opens the page the pipeline's data made,
takes a screenshot (kept as .local/report.png for people to look at) and dumps the DOM it built.

Checks: one bar per country with a non-zero amount in the latest final window (counted in the DOM, against
the database); the screenshot is not blank and shows the bars' colour; the page has no script and loads
nothing from the network; a category named `<script>alert(1)</script>`, sent through Kafka by kcat and
loaded by the loader, shows as text and never becomes an element.

Run after scripts/e2e.sh (make test does) with its environment (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS,
KAFKA_TOPIC) and BIN_DIR. Python 3 standard library only; exits 1 with one line per failure.
"""
import datetime
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL = os.path.join(ROOT, ".local")
PAGE, SHOT = os.path.join(LOCAL, "report.html"), os.path.join(LOCAL, "report.png")
HOSTILE = "<script>alert(1)</script>"
BAR_COLOUR = (0x4E, 0x79, 0xA7)
failures = []


def fail(message):
    failures.append(message)
    print(f"report_check: FAIL {message}", file=sys.stderr)


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=180, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(f"report_check: {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
    return result.stdout


def sql(query):
    return run(["psql", os.environ["DATABASE_URL"], "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", query]).strip()


def png_pixels(path, rows):
    """The first `rows` rows of an 8-bit RGB or RGBA PNG as lists of (r, g, b): enough of a decoder for
    Chromium's screenshots (no interlacing), without a library."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    pixels = []
    for y in range(min(rows, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, pixels


def main():
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        if name not in os.environ:
            sys.exit(f"report_check: {name} is not set (run after scripts/e2e.sh, as make test does)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("report_check: chromium is not installed (scripts/ensure-deps.sh installs Debian's chromium)")
    bin_dir = os.environ.get("BIN_DIR", os.path.join(ROOT, ".build", "debug"))
    topic = os.environ.get("KAFKA_TOPIC", "purchases")

    # A purchase a hostile producer could send: valid in every field, its category markup.
    created = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=30)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    event = {"purchase_id": "0b7e5f4c-1a2b-4c3d-8e9f-00112233aa55", "user_id": "hostile", "product_id": "p-1",
             "category": HOSTILE, "country": "DE", "quantity": 1, "unit_price": "7.00", "amount": "7.00",
             "currency": "EUR", "payment_method": "card", "created_at": created}
    run(["kcat", "-P", "-b", os.environ["KAFKA_BOOTSTRAP_SERVERS"], "-t", topic], input=json.dumps(event) + "\n")
    run([f"{bin_dir}/loader", "--until-caught-up", "--log-level", "warning"])
    run([f"{bin_dir}/rollup", "run", "--log-level", "warning"])
    run([f"{bin_dir}/rollup", "report", "--html", PAGE, "--log-level", "warning"])
    page = open(PAGE, encoding="utf-8").read()

    if re.search(r"<script|<link|<img|<iframe|@import|url\(|\bsrc=|\bhref=", page, re.IGNORECASE):
        fail("the page has a script, or refers to something outside itself")
    if "&lt;script&gt;alert(1)&lt;/script&gt;" not in page:
        fail("the hostile category is not on the page as escaped text")

    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1000,3000", f"--screenshot={SHOT}", "file://" + PAGE],
                   capture_output=True, timeout=120, check=True)
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + PAGE],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    if "<script" in dom.lower():
        fail("Chromium built a script element from the page")
    if HOSTILE.replace("<", "&lt;").replace(">", "&gt;") not in dom:
        fail("Chromium does not show the hostile category as text")

    first_chart = dom.split("</figure>")[0]
    bars = len(re.findall(r'<rect class="bar"', first_chart))
    # One bar per country, whatever currencies its customers paid in (the bars are in the reporting currency).
    expected = int(sql("select count(distinct country) from purchase_summary where total_amount > 0 and "
                       "window_start = (select max(window_start) from purchase_summary where is_final)"))
    if bars != expected or expected == 0:
        fail(f"the latest window's chart has {bars} bars; {expected} countries have a non-zero amount")

    width, height, pixels = png_pixels(SHOT, rows=900)
    total = sum(len(row) for row in pixels)
    drawn = sum(1 for row in pixels for pixel in row if pixel != (255, 255, 255))
    bar = sum(1 for row in pixels for pixel in row if all(abs(p - q) <= 6 for p, q in zip(pixel, BAR_COLOUR)))
    if drawn < total * 0.02 or bar < 500:
        fail(f"the screenshot looks blank: {drawn} of {total} pixels drawn, {bar} in the bars' colour")
    print(f"report_check: {os.path.relpath(PAGE, ROOT)} ({len(page):,} bytes), screenshot "
          f"{os.path.relpath(SHOT, ROOT)} {width}x{height}; {bars} bars for {expected} countries, "
          f"{bar:,} bar pixels in the first 900 rows" + (f"; {len(failures)} failures" if failures else "; OK"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
