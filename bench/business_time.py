"""Due-time throughput: promisedesk's calendar maths beside ``businesstimedelta``.

The case (as in /work/shared/peers/btd_bench.py): "start + 4 business hours", Mon-Fri
09:00-17:00 in Europe/London with GB (England) holidays, over 100,000 random starts spread
over 2026. Both sides get the same starts; answers are compared one by one, and ours are
also checked against an independent day-walking reference.

The peer needs pytz and lives in its own virtualenv, so it runs in a subprocess of this
same file (``--as-peer``) and hands back timings and answers as JSON. Make that venv with:

    python3 -m venv /tmp/pd_btd_venv
    /tmp/pd_btd_venv/bin/pip install businesstimedelta pytz

Usage (from the project root):

    .venv/bin/python bench/business_time.py [--n 100000] [--runs 3]
        [--peer-python /tmp/pd_btd_venv/bin/python]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TZ = "Europe/London"
HOURS = 4
YEAR = 2026


def peer_main(cases_path: str, out_path: str) -> None:
    """Time businesstimedelta on the cases; runs inside the peer's virtualenv."""
    import businesstimedelta as btd
    import pytz

    cases = json.loads(Path(cases_path).read_text())
    tz = pytz.timezone(cases["tz"])
    holiday_list = [dt.date.fromisoformat(d) for d in cases["holidays"]]
    starts = [dt.datetime.fromtimestamp(ts, tz) for ts in cases["starts"]]
    from importlib.metadata import version

    out: dict[str, object] = {"version": version("businesstimedelta")}
    answers: list[int] = []
    for name, holidays in (("list", holiday_list), ("set", set(holiday_list))):
        workday = btd.WorkDayRule(
            start_time=dt.time(9), end_time=dt.time(17), working_days=[0, 1, 2, 3, 4], tz=tz
        )
        rules = btd.Rules([workday, btd.HolidayRule(holidays, tz=tz)])
        delta = btd.BusinessTimeDelta(rules, hours=cases["hours"])
        seconds = []
        for _ in range(cases["runs"]):
            t0 = time.perf_counter()
            results = [s + delta for s in starts]
            seconds.append(time.perf_counter() - t0)
        answers = [int(r.timestamp()) for r in results]
        out[name] = seconds
    out["answers"] = answers
    Path(out_path).write_text(json.dumps(out))


def reference_add(start: dt.datetime, hours: int, zone: object, holidays: set[dt.date]) -> int:
    """Independent check: walk local days, 09-17 on weekdays, arithmetic in UTC."""
    utc = dt.UTC
    remaining = dt.timedelta(hours=hours)
    s_utc = start.astimezone(utc)
    day = s_utc.astimezone(zone).date()  # type: ignore[arg-type]
    while True:
        if day.weekday() < 5 and day not in holidays:
            opens = dt.datetime.combine(day, dt.time(9), tzinfo=zone).astimezone(utc)  # type: ignore[arg-type]
            closes = dt.datetime.combine(day, dt.time(17), tzinfo=zone).astimezone(utc)  # type: ignore[arg-type]
            begin = max(opens, s_utc)
            if begin < closes:
                if closes - begin >= remaining:
                    return int((begin + remaining).timestamp())
                remaining -= closes - begin
        day += dt.timedelta(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-python", default="/tmp/pd_btd_venv/bin/python")
    parser.add_argument("--as-peer", nargs=2, metavar=("CASES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_peer:
        peer_main(*args.as_peer)
        return

    import holidays as holidays_package

    from promisedesk.calendar_config import load_calendars
    from promisedesk.domain.calendars import add_business_time

    workdays = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    table = {"timezone": TZ, "hours": workdays, "holidays": {"country": "GB", "subdivision": "ENG"}}
    t0 = time.perf_counter()
    calendar = load_calendars({"calendars": {"bench": table}})["bench"]
    load_seconds = time.perf_counter() - t0
    zone = calendar.zone

    rnd = random.Random(1234)
    first = int(dt.datetime(YEAR, 1, 1, tzinfo=zone).timestamp())
    last = int(dt.datetime(YEAR + 1, 1, 1, tzinfo=zone).timestamp())
    epoch_starts = [rnd.randrange(first, last) for _ in range(args.n)]
    starts = [dt.datetime.fromtimestamp(ts, zone) for ts in epoch_starts]
    seconds = HOURS * 3600

    def time_ours() -> list[float]:
        spent = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            [add_business_time(calendar, s, seconds) for s in starts]
            spent.append(time.perf_counter() - t0)
        return spent

    ours_seconds = time_ours()
    ours = [int(add_business_time(calendar, s, seconds).timestamp()) for s in starts]
    gb = holidays_package.country_holidays("GB", subdiv="ENG", years=[YEAR, YEAR + 1])
    holiday_dates = sorted(gb.keys())
    reference = [reference_add(s, HOURS, zone, set(holiday_dates)) for s in starts]
    report: dict[str, object] = {
        "case": f"+{HOURS} business hours, Mon-Fri 09-17, {TZ}, GB-ENG holidays, {YEAR}",
        "n": args.n,
        "runs": args.runs,
        "calendar_load_s": round(load_seconds, 3),
        "mismatches_vs_reference": sum(a != b for a, b in zip(ours, reference, strict=True)),
    }

    peer = None
    if Path(args.peer_python).exists():
        with tempfile.TemporaryDirectory() as tmp:
            cases = Path(tmp, "cases.json")
            cases.write_text(
                json.dumps(
                    {
                        "tz": TZ,
                        "hours": HOURS,
                        "runs": args.runs,
                        "holidays": [d.isoformat() for d in holiday_dates],
                        "starts": epoch_starts,
                    }
                )
            )
            out = Path(tmp, "peer.json")
            subprocess.run(
                [args.peer_python, __file__, "--as-peer", str(cases), str(out)], check=True
            )
            peer = json.loads(out.read_text())
        ours_seconds += time_ours()  # before and after the peer, against drift in load
    else:
        report["peer"] = f"skipped: {args.peer_python} not found (see the module docstring)"

    ours_rate = statistics.median(args.n / s for s in ours_seconds)
    report["promisedesk_ops_per_s"] = round(ours_rate)
    report["promisedesk_ops_per_s_min_max"] = [
        round(args.n / max(ours_seconds)),
        round(args.n / min(ours_seconds)),
    ]
    if peer is not None:
        report["businesstimedelta"] = peer["version"]
        for variant in ("list", "set"):
            rate = statistics.median(args.n / s for s in peer[variant])
            report[f"btd_{variant}_ops_per_s"] = round(rate)
            report[f"ratio_vs_btd_{variant}"] = round(ours_rate / rate, 1)
        differ = [
            (s, a, b) for s, a, b in zip(starts, ours, peer["answers"], strict=True) if a != b
        ]
        report["mismatches_vs_btd"] = len(differ)
        report["mismatch_examples"] = [
            [
                s.isoformat(),
                dt.datetime.fromtimestamp(a, zone).isoformat(),
                dt.datetime.fromtimestamp(b, zone).isoformat(),
            ]
            for s, a, b in differ[:5]
        ]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())
