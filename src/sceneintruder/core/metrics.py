"""In-process request counters (bounded: by status class only), read by `/api/config/metrics`.

`core.middleware.HttpBaseMiddleware` feeds them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

_STATUS_CLASSES = {n: f"{n}xx" for n in range(1, 6)}


@dataclass
class RequestMetrics:
    started_at: float = field(default_factory=time.time)
    total: int = 0
    in_flight: int = 0
    by_status_class: dict[str, int] = field(default_factory=lambda: {f"{n}xx": 0 for n in range(1, 6)})
    latency_total_ms: float = 0.0
    latency_max_ms: float = 0.0

    def record(self, status: int, elapsed_ms: float) -> None:
        self.total += 1
        key = _STATUS_CLASSES.get(status // 100, "5xx")
        self.by_status_class[key] += 1
        self.latency_total_ms += elapsed_ms
        self.latency_max_ms = max(self.latency_max_ms, elapsed_ms)

    def snapshot(self) -> dict[str, object]:
        return {
            "uptime_seconds": round(time.time() - self.started_at, 3),
            "total": self.total,
            "in_flight": self.in_flight,
            "by_status_class": dict(self.by_status_class),
            "latency_avg_ms": round(self.latency_total_ms / self.total, 3) if self.total else 0.0,
            "latency_max_ms": round(self.latency_max_ms, 3),
        }
