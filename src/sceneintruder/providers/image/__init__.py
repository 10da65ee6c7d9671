"""Image generation: one Protocol (`base.ImageProvider`), an adapter per vendor, the offline renderer, and the
media tools every provider's panels go through (fonts, lettering)."""
