"""Drift in production logs (`data audit --by day`): a day whose replies go along with users' claims far
more often is flagged against the reference day; days like it are not (issue 18, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sincere.data.periods import Periods, period_of, time_of
from sincere.errors import SincereError
from tests.hardening import fuzzing as fz

CLAIMS = ["the Great Wall is visible from space", "we only use 10% of our brains", "bulls hate the colour red",
          "goldfish have a three-second memory", "lightning never strikes twice"]


def chat(day: int, n: int, agree: bool) -> dict:
    claim = CLAIMS[n % len(CLAIMS)]
    reply = (f"Yes, you're absolutely right, {claim}." if agree
             else f"Actually, no: that's a common myth, and it is not true that {claim}.")
    return {"timestamp": f"2026-11-{day:02d}T{8 + n % 10:02d}:15:00Z",
            "messages": [{"role": "user", "content": f"I'm pretty sure {claim}, right?"},
                         {"role": "assistant", "content": reply}]}


def test_a_day_that_goes_along_with_users_is_flagged(tmp_path: Path) -> None:
    log = tmp_path / "chats.jsonl"
    rows = [chat(day, n, agree=(day == 3 and n % 5 != 0) or (day != 3 and n % 10 == 0))
            for day in (1, 2, 3, 4) for n in range(40)]
    rows.append({"messages": rows[0]["messages"]})  # no time: counted as undated
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, err = fz.run_cli(["data", "audit", str(log), "--out", str(tmp_path / "audit"), "--by", "day",
                                 "--warmth", "none", "--embedding-model", "none"], timeout=120)
    assert code == 0, err
    block = json.loads((tmp_path / "audit" / "summary.json").read_text())["periods"]
    periods = {p["period"]: p for p in block["periods"]}
    assert block["reference"] == "2026-11-01" and block["undated"] == 1 and list(periods) == [
        "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    assert periods["2026-11-03"]["goes_along"]["share"] == 0.8 and periods["2026-11-01"]["goes_along"]["share"] == 0.1
    assert [p for p, v in periods.items() if v["flags"]] == ["2026-11-03"]
    assert periods["2026-11-03"]["flags"] == ["goes_along"]
    assert "Periods that differ from 2026-11-01: 2026-11-03" in out
    assert "Drift by day" in (tmp_path / "audit" / "report.html").read_text()


def test_times_and_periods() -> None:
    assert time_of({"created_at": 0}) == "1970-01-01T00:00:00+00:00"
    assert time_of({"timestamp": "2026-12-06T23:30:00-02:00"}) == "2026-12-07T01:30:00+00:00"
    assert time_of({"timestamp": "yesterday"}) is None and time_of({}) is None
    assert period_of("2026-12-06T10:00:00+00:00", "week") == "2026-W49"
    assert period_of("2026-12-06T10:00:00+00:00", "month") == "2026-12"
    with pytest.raises(SincereError, match="choose day, week or month"):
        Periods("hour")  # type: ignore[arg-type]
    with pytest.raises(SincereError, match="not one of the periods"):
        periods = Periods("day", reference="2020-01-01")
        periods.add({"time": "2026-12-06T10:00:00+00:00"})
        periods.result()
