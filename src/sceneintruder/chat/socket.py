"""The `character_interaction` WebSocket message: a chat over `/ws/scene/:id`, streamed to the whole room.

The hub runs each handler as its own task, so the model call never stops the socket's reader. The room gets
`conversation:delta` events as the model writes (all with one `stream_id`), then the reference's
`conversation:new` with the stored messages; a model failure part-way ends the stream with
`conversation:error` to the room, and nothing half-written is stored. Problems found before anything is asked
(unknown character, another scene's character) are raised, so the hub answers the sender alone with `error`.
"""

from __future__ import annotations

from sceneintruder.chat import turns
from sceneintruder.chat.room_events import conversation_delta, conversation_error
from sceneintruder.chat.runtime import ChatRuntime
from sceneintruder.chat.schemas import ChatRequest
from sceneintruder.core.errors import BadRequest
from sceneintruder.core.ids import new_id
from sceneintruder.realtime.hub import MessageHandler, SocketContext
from sceneintruder.realtime.messages import CharacterInteraction, ClientMessage


def interaction_handler(runtime: ChatRuntime) -> MessageHandler:
    async def handle(socket: SocketContext, message: ClientMessage) -> None:
        assert isinstance(message, CharacterInteraction)  # the hub dispatches on `type`
        if socket.scene_id is None:
            raise BadRequest("角色对话只能在场景 WebSocket 中进行")
        scene_id = socket.scene_id
        request = ChatRequest(scene_id=scene_id, character_id=message.character_id, message=message.message)
        prepared = await turns.prepare_chat(runtime, principal=socket.principal, request=request)
        stream_id = new_id("stream")
        async for event in turns.stream(runtime, prepared, stream_id=stream_id):
            if isinstance(event, turns.Delta):
                await runtime.publish(scene_id, conversation_delta(scene_id, prepared.character, stream_id, event.text))
            elif isinstance(event, turns.Failed):
                await runtime.publish(
                    scene_id, conversation_error(scene_id, prepared.character.id, stream_id, event.error)
                )

    return handle
