"""What several server processes share when `REDIS_URL` is set, and its one-process stand-ins otherwise: the
message bus, scene locks, cache coherence and worker identity. Imports nothing of ours but core."""
