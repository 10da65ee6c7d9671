"""sceneintruder: an async backend for an AI storytelling workspace."""

__version__ = "0.1.0"
