"""Password hashing with argon2 (passlib).

Hashing is CPU-bound (argon2-cffi releases the GIL), so the async methods run it in a small pool of its own:
at most `concurrency` hashes at once, whatever the number of logins in flight, so a burst of them queues here
and leaves a core to the event loop; its threads (and argon2's lanes) run below the loop's priority.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets

from passlib.context import CryptContext

from sceneintruder.core.offload import lower_priority

MIN_PASSWORD_LENGTH = 8


class PasswordHasher:
    def __init__(
        self, *, time_cost: int = 3, memory_cost_kib: int = 65536, parallelism: int = 4, concurrency: int = 1
    ) -> None:
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__time_cost=time_cost,
            argon2__memory_cost=memory_cost_kib,
            argon2__parallelism=parallelism,
        )
        # Verified against when the user does not exist, so a miss costs as much as a wrong password.
        self._dummy_hash = self._context.hash(secrets.token_urlsafe(16))
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="argon2", initializer=lower_priority
        )

    def hash(self, password: str) -> str:
        return self._context.hash(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        if not password_hash:
            self._context.verify(password, self._dummy_hash)
            return False
        return self._context.verify(password, password_hash)

    async def hash_async(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.hash, password)

    async def verify_async(self, password: str, password_hash: str | None) -> bool:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.verify, password, password_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def generate_password() -> str:
    return secrets.token_urlsafe(18)
