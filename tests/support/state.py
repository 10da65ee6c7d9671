"""Reaching what the lifespan installed, from a test: the job registry, the hub and each domain's runtime are
kept in the app state's components, by type."""

from __future__ import annotations

from fastapi import FastAPI

from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.jobs.registry import JobRegistry
from sceneintruder.realtime.hub import Hub
from sceneintruder.scenes.runtime import ScenesRuntime
from sceneintruder.settings.runtime import SettingsRuntime
from sceneintruder.story.runtime import StoryRuntime


def jobs_of(app: FastAPI) -> JobRegistry:
    return app.state.components.get(JobRegistry)


def hub_of(app: FastAPI) -> Hub:
    return app.state.components.get(Hub)


def story_of(app: FastAPI) -> StoryRuntime:
    return app.state.components.get(StoryRuntime)


def chat_of(app: FastAPI) -> ChatRuntime:
    return app.state.components.get(ChatRuntime)


def scenes_of(app: FastAPI) -> ScenesRuntime:
    return app.state.components.get(ScenesRuntime)


def settings_runtime_of(app: FastAPI) -> SettingsRuntime:
    return app.state.components.get(SettingsRuntime)
