"""Background jobs: one registry for every long AI step, persisted rows and events, SSE progress, cancellation."""
