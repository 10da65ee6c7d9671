"""Realtime: WebSocket scene rooms and per-user status rooms, and the hub domains publish through."""
