"""Imports every domain's ORM models so `metadata` is complete (for Alembic and the schema tests)."""

from sceneintruder.auth import models as auth_models
from sceneintruder.comic import models as comic_models
from sceneintruder.db.base import Base
from sceneintruder.jobs import models as jobs_models
from sceneintruder.scenes import models as scenes_models
from sceneintruder.scripts import models as scripts_models
from sceneintruder.settings import models as settings_models
from sceneintruder.story import models as story_models
from sceneintruder.users import models as users_models
from sceneintruder.video import models as video_models

metadata = Base.metadata

__all__ = [
    "auth_models",
    "comic_models",
    "jobs_models",
    "metadata",
    "scenes_models",
    "scripts_models",
    "settings_models",
    "story_models",
    "users_models",
    "video_models",
]
