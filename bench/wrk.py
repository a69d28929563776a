"""Driving wrk (Debian's package) with bench/wrk/deliveries.lua, and reading what it measured."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "deliveries.lua"
THREADS = 2


@dataclass(frozen=True)
class Load:
    ok: int
    other: int
    sent: int
    fewest_sent: int  # by one thread: lines below THREADS x this were all sent
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    socket_errors: int

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk not found: `make bench` installs it (apt-get install -y wrk)")
    return found


def run_wrk(base_url: str, requests_file: Path, connections: int, seconds: float,
            pace_ms: int = 0) -> Load:
    env = {**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_THREADS": str(THREADS),
           "BENCH_DELAY_MS": str(pace_ms)}
    command = [wrk_binary(), f"-t{THREADS}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "5s", "-s", str(SCRIPT), base_url]
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=seconds + 120, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-500:]} "
                           f"{done.stderr[-500:]}")
    got = json.loads(line[len("BENCH "):])
    return Load(ok=got["ok"], other=got["other"], sent=got["sent"], fewest_sent=got["fewest_sent"],
                seconds=got["duration_us"] / 1e6, p50_ms=got["p50"] / 1000,
                p90_ms=got["p90"] / 1000, p99_ms=got["p99"] / 1000,
                p999_ms=got["p999"] / 1000,
                socket_errors=sum(got[k] for k in ("connect_errors", "read_errors",
                                                   "write_errors", "timeouts")))
