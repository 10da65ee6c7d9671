"""Scenes: novel text turned into a scene with its characters, items and locations.

The modules here so far are the pure text-analysis toolkit (no framework, no I/O): `text` (language,
segments, chunks, sentences, name normalisation), `analysis_schema` (what one chunk's analysis and the
merged analysis look like, and what real LLMs are asked to return), `offline_analysis` (the built-in
provider's deterministic analyser) and `merge` (chunk analyses into one scene analysis).
"""
