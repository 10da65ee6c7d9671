"""`python -m tests.support.demo_server DATA_DIR PORT DATABASE_URL`: the demo app as a real process, for the
crash test."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from sceneintruder.core.settings import Settings
from tests.support.demo_jobs import demo_app


def main() -> None:
    data_dir, port, database_url = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    settings = Settings(
        _env_file=None, data_dir=data_dir, database_url=database_url, log_level="WARNING", rate_limit_enabled=False
    )
    app, _ = demo_app(settings)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
