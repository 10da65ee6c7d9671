"""Dependencies of the settings routes: the domain's runtime, built once at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sceneintruder.settings.service import SettingsRuntime
from sceneintruder.web.dependencies import app_state


async def get_settings_runtime(request: Request) -> SettingsRuntime:
    return app_state(request).components.get(SettingsRuntime)


SettingsRuntimeDep = Annotated[SettingsRuntime, Depends(get_settings_runtime)]
