"""The video studio: a finished comic becomes a film (timeline, clips, a composed MP4, exports)."""
