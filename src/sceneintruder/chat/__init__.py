"""Characters come alive: chat with a character, its emotions, and character-to-character dialogue.

`llm_schemas` holds what each AI step asks a model to return (and how sloppy answers are read);
`offline` holds the built-in provider's deterministic skills for those steps, exported as `SKILLS`.
"""
