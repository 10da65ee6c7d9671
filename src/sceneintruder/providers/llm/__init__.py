"""LLM providers: the Protocol (`base`), one adapter per wire family, the offline `builtin`, and `LLMClient`."""
