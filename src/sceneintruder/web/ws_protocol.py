"""The WebSocket protocol the server runs: uvicorn's sans-I/O implementation, with one guard added.

Once the server has sent its close frame (a policy close for a flooding client, say), uvicorn keeps reading and
discarding whatever the peer sends until the peer answers the close, for up to ten seconds. A peer that ignores
the close and keeps writing small frames keeps the event loop parsing them all that time: one such socket
stalled every other request for the whole ten seconds. Here, a peer that sends more than
`MAX_FRAMES_AFTER_CLOSE` further frames instead of its close reply has its connection aborted at once.

Used by `sceneintruder serve` and by the test servers (`uvicorn.Config(ws=GuardedWebSocketProtocol)`).
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

MAX_FRAMES_AFTER_CLOSE = 64  # a well-behaved peer answers a close with a close, after what it had in flight


class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
    frames_after_close = 0

    def send_receive_event_to_app(self) -> None:
        if self.close_sent:
            self.frames_after_close += 1
            if self.frames_after_close > MAX_FRAMES_AFTER_CLOSE and not self.transport.is_closing():
                self.transport.abort()  # the peer ignores our close: drop the connection
        super().send_receive_event_to_app()
