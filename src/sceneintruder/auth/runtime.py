"""`AuthRuntime`: how bearer tokens become principals, built once at start-up by `auth.service.install`."""

from __future__ import annotations

from dataclasses import dataclass

from sceneintruder.web.state import PrincipalResolver


@dataclass(frozen=True)
class AuthRuntime:
    principals: PrincipalResolver  # also the web layer's (AppState.principals): every request resolves through it
