"""The WordPress plugin (integrations/wordpress): its PHPUnit suite passes, and the zip a store
owner uploads holds the plugin folder with a valid header and no tests."""
from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from adapters.woocommerce.storefront import storefront_signature

WORDPRESS = Path(__file__).resolve().parents[2] / "integrations" / "wordpress"
BUILD_ZIP = WORDPRESS / "build-zip.sh"

# The vectors hardcoded in integrations/wordpress/tests/SignerTest.php.
SHARED_VECTORS = {
    ("2", "1700000000"): "41f946743d032b21ff35cea72d9e017e0c08e583842c9f5fba1fc8e4dd27d8ec",
    ("0", "1700000000"): "a6c0c0bf7e1d8d2ca68bad9db491f6d3c8a3d30e8079f241aa021299b6c3eb44",
}


def test_the_php_suites_signature_vectors_are_what_the_service_computes():
    for (customer, ts), expected in SHARED_VECTORS.items():
        assert storefront_signature(customer, ts, "a-storefront-secret") == expected
        assert hmac.new(b"a-storefront-secret", f"{customer}:{ts}".encode(),
                        hashlib.sha256).hexdigest() == expected
    php_suite = (WORDPRESS / "tests" / "SignerTest.php").read_text()
    assert all(vector in php_suite for vector in SHARED_VECTORS.values())


@pytest.mark.needs_php
@pytest.mark.slow
def test_the_phpunit_suite_passes():
    done = subprocess.run(["phpunit", "-c", str(WORDPRESS / "phpunit.xml.dist")], cwd=WORDPRESS,
                          capture_output=True, text=True, timeout=300, check=False)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    passed = re.search(r"OK \((\d+) tests?, (\d+) assertions?\)", report)
    assert passed, report
    assert int(passed.group(1)) > 0
    assert "Deprecated" not in report and "Warning" not in report, report


@pytest.mark.needs_php
@pytest.mark.slow
def test_the_zip_holds_the_plugin_folder_without_tests(tmp_path):
    done = subprocess.run([str(BUILD_ZIP), str(tmp_path / "dist")], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "loyalty-connector.zip") as archive:
        names = archive.namelist()
        header = archive.read("loyalty-connector/loyalty-connector.php").decode()
        readme = archive.read("loyalty-connector/readme.txt").decode()
    assert all(name.startswith("loyalty-connector/") for name in names)
    for expected in ("loyalty-connector.php", "uninstall.php", "readme.txt",
                     "includes/class-loyalty-connector-signer.php",
                     "templates/account-tab.php"):
        assert f"loyalty-connector/{expected}" in names
    assert not [name for name in names if "/tests/" in name or "phpunit" in name.lower()]
    assert re.search(r"^ \* Version:\s+\d+\.\d+\.\d+$", header, re.MULTILINE)
    assert re.search(r"^ \* Requires PHP:\s+8\.1$", header, re.MULTILINE)
    assert re.search(r"^ \* WC requires at least:\s+\S+", header, re.MULTILINE)
    assert re.search(r"^ \* Text Domain:\s+loyalty-connector$", header, re.MULTILINE)
    assert "=== Loyalty Connector ===" in readme and "Requires PHP: 8.1" in readme


def test_build_zip_without_an_output_folder_says_how_to_call_it():
    done = subprocess.run([str(BUILD_ZIP)], capture_output=True, text=True, timeout=30,
                          check=False)
    assert done.returncode == 2
    assert "usage:" in done.stderr and "loyalty-connector.zip" in done.stderr
