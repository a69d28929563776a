"""Driving the real `loyalty` command and server as subprocesses, bounded in time."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests

LOYALTY = [sys.executable, "-m", "connector"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Loyalty:
    """Runs `loyalty` commands against one instance folder and database."""

    def __init__(self, settings: dict[str, str]):
        self.env = {**os.environ, **settings, "PYTHONUNBUFFERED": "1"}
        self.env.pop("LOYALTY_FAULT_PAUSE_AT", None)

    def run(self, *args: str, check: bool = True, timeout: float = 60,
            input: str | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run([*LOYALTY, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False, input=input)
        if check and done.returncode != 0:
            raise AssertionError(f"loyalty {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def json(self, *args: str):
        return json.loads(self.run(*args, "--json").stdout)

    def start(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen([*LOYALTY, *args], env={**self.env, **(extra_env or {})},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def setup_woo_shop(self, program_path: str) -> dict:
        self.run("db", "upgrade")
        shop = self.json("shop", "add", "woocommerce", "--url", "http://127.0.0.1:8000/",
                         "--consumer-key", "ck_test", "--consumer-secret", "cs_test",
                         "--webhook-secret", "loyalty-test-secret")
        self.run("program", "publish", "--shop", str(shop["id"]), program_path)
        return shop

    def deliver_alice(self, base: str, shop_id: int) -> None:
        """Alice signs up and pays order 13 (fixtures 01 and 04) on a running server: wait for
        her 356 points (a program with pending_days = 0)."""
        from tests.connector.woo import fixture_delivery

        for name in ("01", "04"):
            body, headers = fixture_delivery(name)
            assert requests.post(f"{base}/webhooks/woocommerce/{shop_id}", data=body,
                                 headers=headers, timeout=10).status_code == 200
        wait_until(lambda: (self.customer(shop_id, "alice@example.com") or {})
                   .get("balance") == 356, 30, "Alice's 356 points")

    def customer(self, shop_id: int, email: str) -> dict | None:
        done = self.run("customer", "show", "--shop", str(shop_id), "--email", email, "--json",
                        check=False)
        return json.loads(done.stdout) if done.returncode == 0 else None


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> requests.Response:
    def ready():
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{process.stdout.read()}")
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            return None
    return wait_until(ready, timeout, url)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"process did not stop within {timeout}s after signal {sig}")
