"""Framework-level building blocks. Imports nothing else from sceneintruder."""
