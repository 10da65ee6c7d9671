"""Dependencies of the scripts routes: the domain's runtime, and the script id checked for its shape (an id
that is not `script_<digits>` is 404 at once; ownership is checked by the service, in its own session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from sceneintruder.scripts.errors import script_not_found
from sceneintruder.scripts.runtime import ScriptsRuntime
from sceneintruder.scripts.schemas import SCRIPT_ID
from sceneintruder.web.dependencies import app_state


async def get_scripts_runtime(request: Request) -> ScriptsRuntime:
    return app_state(request).components.get(ScriptsRuntime)


async def script_id(script_id: Annotated[str, Path(max_length=64)]) -> str:
    if not SCRIPT_ID.match(script_id):
        raise script_not_found(script_id)
    return script_id


ScriptsRuntimeDep = Annotated[ScriptsRuntime, Depends(get_scripts_runtime)]
ScriptIdDep = Annotated[str, Depends(script_id)]
