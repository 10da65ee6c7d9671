"""Domain-free text toolkit for the offline skills: languages, sentences, segments and chunks (`text`), people,
places and things in a text (`entities`, `entities_en`, `entities_zh`, `records`), extractive summaries
(`textrank`), word lists (`lexicons`), and a character's manner of speaking (`persona`).

Pure and deterministic; it imports nothing of ours but `core`, and no domain imports another's offline code:
every domain's skills build on this package.
"""
