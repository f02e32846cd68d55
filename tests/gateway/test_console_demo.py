"""`make demo` walks the core story against a running platform: here, the test platform."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


async def test_the_demo_tells_the_core_story(platform, capsys):
    spec = importlib.util.spec_from_file_location("bst_demo", DEMO)
    assert spec and spec.loader
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert await asyncio.to_thread(demo.main, platform.gateway_url, platform.settings) == 0
    told = capsys.readouterr().out
    for step in ("报修单: BX", "状态: 已修复", "评价: 5 非常满意", "已上架", "✔ the core story ran"):
        assert step in told, told
