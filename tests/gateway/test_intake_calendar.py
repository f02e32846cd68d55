"""The calendar beyond chinesecalendar: `bst calendar load` puts the State Council's schedule where every process
reads it, and /readyz warns (without turning unready) while the next 90 days lack an official schedule."""

from __future__ import annotations

import json

from services.cli import main
from services.kernel import workdays


async def test_readyz_warns_while_the_next_90_days_lack_an_official_schedule(platform, tmp_path, monkeypatch):
    monkeypatch.setenv("BST_CALENDAR_DIR", str(tmp_path / "calendar"))
    monkeypatch.setenv("BST_VAR_DIR", str(platform.settings.var_dir))
    gaps = workdays.uncovered_ahead(90)
    async with platform.client() as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    if gaps:  # e.g. from October 2026 until an operator loads 2027
        assert "bst calendar load" in ready.json()["warnings"]["calendar"]
        year = gaps[0]
        schedule = {
            "year": year,
            "source": "国务院办公厅关于部分节假日安排的通知",
            "holidays": [{"date": f"{year}-01-01", "name": "元旦"}],
            "workdays": [],
        }
        path = tmp_path / f"{year}.json"
        path.write_text(json.dumps(schedule, ensure_ascii=False), encoding="utf-8")
        assert main(["calendar", "load", str(path)]) == 0
        workdays.configure(tmp_path / "calendar")  # what each process does by itself within 30 seconds
        try:
            async with platform.client() as client:
                after = await client.get("/readyz")
            assert "warnings" not in after.json() or str(year) not in after.json()["warnings"].get(
                "calendar", ""
            )
            assert year in workdays.official_years()
        finally:
            workdays.configure(platform.settings.var_dir / "calendar")
    else:
        assert "warnings" not in ready.json()


def test_bst_calendar_load_refuses_a_file_that_is_not_a_schedule(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BST_CALENDAR_DIR", str(tmp_path / "calendar"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"year": 2027, "holidays": ["2028-01-01"]}), encoding="utf-8")
    assert main(["calendar", "load", str(bad)]) == 2
    assert "not in 2027" in capsys.readouterr().err
    assert not (tmp_path / "calendar").exists()
