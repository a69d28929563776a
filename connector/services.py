"""The long-lived objects of one running service, built once by create_app or the CLI."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from connector.config import Config, load_config
from connector.db import Database
from connector.fleet.dispatch import BrokerDispatch, InProcess, announce_new_jobs, dispatcher
from connector.secrets import SecretBox, secret_box
from connector.shops import ShopDirectory


@dataclass
class Services:
    config: Config
    db: Database
    box: SecretBox
    shops: ShopDirectory
    dispatch: InProcess | BrokerDispatch = field(default_factory=InProcess)

    def close(self) -> None:
        self.db.dispose()


def build_services(overrides: Mapping[str, object] | None = None) -> Services:
    """Read LOYALTY_* from the environment, with `overrides` (same names) taking precedence."""
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (overrides or {}).items()})
    config = load_config(env)
    config.instance_path.mkdir(parents=True, exist_ok=True)
    db = Database(config.database_url)
    box = secret_box(config)
    dispatch = dispatcher(config.fleet)
    if config.fleet is not None:  # workers learn of new push jobs once their rows commit
        announce_new_jobs(db.sessions, dispatch)
    return Services(config=config, db=db, box=box, shops=ShopDirectory(db.sessions, box),
                    dispatch=dispatch)
