"""Scenes: novel text turned into a scene with characters, items, locations and a message log.

The pure text-analysis toolkit (no framework, no I/O): `text` (language, segments, chunks, sentences, name
normalisation), `analysis_schema` (one chunk's analysis and the merged analysis, which is also what real LLMs
are asked to return), `offline_analysis` (the built-in provider's deterministic analyser) and `merge` (chunk
analyses into one scene analysis). The domain itself: `models`, `schemas`, `service`, `router`, `upload`,
`export`.
"""
