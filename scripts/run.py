"""`make run`: start the platform (`bst up`), pass its output through, and print one clear "ready" line with the
URLs once the gateway's `/readyz` answers 200. In development the logs are readable text unless BST_LOG_FORMAT
says otherwise; production keeps JSON."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx

from services.kernel.settings import get_settings

READY_TIMEOUT = 180.0


def wait_until_ready(url: str, child: subprocess.Popen[bytes], started: float) -> None:
    while child.poll() is None and time.monotonic() - started < READY_TIMEOUT:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                took = time.monotonic() - started
                line = (
                    f"✔ 办事通 is ready in {took:.0f} s: {url}/  ·  console {url}/console/  ·  "
                    f"API docs {url}/docs  ·  scan page {url}/r/530102  (Ctrl-C stops everything)"
                )
                sys.stdout.write(f"\n{'=' * 24}\n{line}\n{'=' * 24}\n\n")
                sys.stdout.flush()
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    if child.poll() is None:
        sys.stdout.write(f"! the gateway did not answer {url}/readyz with 200 within {READY_TIMEOUT:.0f} s\n")


def main() -> int:
    env = dict(os.environ)
    if env.get("BST_ENV", "development") == "development":
        env.setdefault("BST_LOG_FORMAT", "text")
    os.environ.update(env)
    settings = get_settings()
    url = f"http://{settings.gateway_host}:{settings.gateway_port}"
    sys.stdout.write(
        f"==> starting the platform: migrations, demo data, the gateway and four services ({url})\n"
    )
    sys.stdout.flush()
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "services.cli", "up"], env=env)
    # Ctrl-C reaches the whole foreground group: `bst up` stops its children; we wait for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    threading.Thread(target=wait_until_ready, args=(url, child, started), daemon=True).start()
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
