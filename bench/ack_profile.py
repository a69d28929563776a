"""Why the acknowledgement runs at the rate it does: the same signed deliveries through Flask's
test client, one at a time in this process, to the bare HMAC app and to ours, with the CPU
each takes per delivery and pyinstrument's hottest frames of ours (bench.seed.hottest_frames).

Under wrk both apps run on the same two cores, so CPU per delivery is what bounds req/s; the
ratio of the two CPU costs is the throughput ratio the cores would allow if nothing else
(the database's own work, fsync) took a turn on them.
"""
from __future__ import annotations

import time
from pathlib import Path

from pyinstrument import Profiler

from bench import seed
from bench.common import Result
from bench.deliveries import write_requests
from bench.servers import SHOPIFY_SECRET, WOO_SECRET, _hmac_app

OURS = ("connector/", "adapters/", "webhooks/")


def _requests(path: Path, platform: str, count: int, first_id: int) -> list[tuple]:
    secret = WOO_SECRET if platform == "woocommerce" else SHOPIFY_SECRET
    write_requests(path, platform, count, first_id, secret)
    parsed = []
    for line in path.read_text().split("\n")[:-1]:  # not splitlines: \x1e is a separator
        url, head, body = line.split("\t", 2)
        headers = dict(pair.split("\x1e", 1) for pair in head.split("\x1f"))
        parsed.append((url, headers, body.encode()))
    return parsed


def _cpu_per_request(client, requests: list[tuple]) -> float:
    """Microseconds of this process's CPU per request; anything but 200 stops the bench."""
    started = time.process_time()
    for url, headers, body in requests:
        answer = client.post(url, headers=headers, data=body)
        if answer.status_code != 200:
            raise RuntimeError(f"POST {url}: {answer.status_code} {answer.get_data()[:200]}")
    return (time.process_time() - started) / len(requests) * 1e6


def explain(database: str, url: str, folder: Path, count: int, result: Result) -> None:
    """One note per platform: CPU per delivery, ours against bare, and our hottest frames."""
    from connector import create_app

    app = create_app(seed.settings(url, folder))
    ours, bare = app.test_client(), _hmac_app().test_client()
    for n, platform in enumerate(("woocommerce", "shopify")):
        batches = [_requests(folder / f"profile-{platform}-{part}.tsv", platform, count,
                             900_000_000 + (n * 3 + part) * 1_000_000) for part in range(3)]
        _cpu_per_request(ours, batches[0][:50])  # warm: the shop cache, the statement cache
        bare_us = _cpu_per_request(bare, batches[1])
        ours_us = _cpu_per_request(ours, batches[1])
        profiler = Profiler(interval=0.0002)
        profiler.start()
        _cpu_per_request(ours, batches[2])
        profiler.stop()
        frames = seed.hottest_frames(profiler.last_session, 6, OURS)
        result.notes.append(
            f"{database} {platform}: in-process, one delivery at a time ({count} deliveries), "
            f"our ack takes {ours_us:.0f} µs of CPU per delivery against the bare HMAC app's "
            f"{bare_us:.0f} µs ({bare_us / ours_us:.2f} of ours: the most the two cores "
            "would allow under load); hottest: " + "; ".join(frames))
    app.extensions["loyalty"].close()
