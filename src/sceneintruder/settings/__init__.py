"""Provider settings (LLM, vision, video), sealed secrets, the live LLM switch, and LLM call accounting."""
