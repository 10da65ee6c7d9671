"""The comic studio: a scene (or a standalone text) becomes a storyboard, image prompts, key elements,
reference images, lettered panels, pages and exports (ZIP, HTML, PDF, CBZ)."""
