"""Start-up configuration: a bad value stops the program with one line naming the variable."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from connector.config import ConfigError, load_config
from connector.secrets import SecretBox, secret_box


@pytest.mark.parametrize(("name", "value", "words"), [
    ("LOYALTY_DATABASE_URL", "mysql://root@localhost/x", "sqlite or postgresql"),
    ("LOYALTY_DATABASE_URL", "::not a url::", "expected a database URL"),
    ("LOYALTY_LOG_LEVEL", "loud", "expected one of DEBUG, INFO, WARNING, ERROR"),
    ("LOYALTY_WORKER_POLL_SECONDS", "-1", "positive number of seconds"),
    ("LOYALTY_WORKER_POLL_SECONDS", "soon", "positive number of seconds"),
    ("LOYALTY_PUBLIC_URL", "ftp://example.com", "http(s) URL"),
    ("LOYALTY_PUSH_TIMEOUT_SECONDS", "0", "positive number of seconds"),
    ("LOYALTY_RECONCILE_MINUTES", "hourly", "whole number of minutes"),
    ("LOYALTY_TRUSTED_PROXIES", "one", "whole number of proxies"),
    ("LOYALTY_ADMIN_PASSWORD", "short", "at least 12 characters"),
])
def test_bad_value_names_the_variable(name, value, words, tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path), name: value})
    assert str(error.value).startswith(f"{name}: ") and words in str(error.value)


def test_bad_value_stops_the_cli_with_one_line(tmp_path):
    env = {**os.environ, "LOYALTY_INSTANCE_PATH": str(tmp_path), "LOYALTY_LOG_LEVEL": "loud"}
    done = subprocess.run([sys.executable, "-m", "connector", "shop", "list"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    expected = ("loyalty: configuration error: LOYALTY_LOG_LEVEL: expected one of DEBUG, INFO, "
                "WARNING, ERROR, got 'loud'")
    assert done.stderr.strip().splitlines() == [expected]


def test_bad_secret_key_names_the_variable(tmp_path):
    config = load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path), "LOYALTY_SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="^LOYALTY_SECRET_KEY: expected comma-separated Fernet"):
        secret_box(config)


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path):
    config = load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'loyalty.db'}"
    assert config.log_level == "INFO" and config.public_url == "http://127.0.0.1:8000"


def test_first_start_generates_a_private_secret_key_once(tmp_path):
    config = load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path)})
    box = secret_box(config)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = box.encrypt("cs_secret")
    assert "cs_secret" not in token
    assert secret_box(config).decrypt(token) == "cs_secret"  # same key on the next start


def test_rotated_key_list_still_reads_old_secrets(tmp_path):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = SecretBox((old,)).encrypt("whsec")
    rotated = SecretBox((new, old))
    assert rotated.decrypt(token) == "whsec"
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        SecretBox((new,)).decrypt(token)
    assert SecretBox((new,)).decrypt(rotated.rotate(token)) == "whsec"
