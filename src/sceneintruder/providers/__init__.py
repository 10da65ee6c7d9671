"""Outside services behind small Protocols: LLM vendors (and later image and video vendors).

Providers import only `core`: never the database, jobs, a domain, or a web framework. They raise only
`providers.errors` classes.
"""
