"""Scenes: novel text turned into a scene with characters, items, locations and a message log."""
