"""Command line: `sceneintruder serve | migrate | user create|passwd|list`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from sceneintruder.core.log_redaction import redact_url_password
from sceneintruder.core.passwords import MIN_PASSWORD_LENGTH, PasswordHasher, generate_password
from sceneintruder.core.principal import Role
from sceneintruder.core.settings import Settings
from sceneintruder.core.storage import data_dir_problem
from sceneintruder.db.engine import create_engine, is_sqlite, prepare_sqlite_file
from sceneintruder.db.migrate import upgrade_to_head
from sceneintruder.db.session import Database
from sceneintruder.users import service as users_service

T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sceneintruder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="upgrade the database and start the HTTP server")
    serve.add_argument("--host", help="overrides HOST")
    serve.add_argument("--port", type=int, help="overrides PORT")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (uvicorn); more than one needs REDIS_URL"
    )
    commands.add_parser("migrate", help="upgrade the database to the latest schema and exit")
    user = commands.add_parser("user", help="manage accounts").add_subparsers(dest="action", required=True)
    create = user.add_parser("create", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", choices=[role.value for role in Role], default=Role.USER.value)
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd = user.add_parser("passwd", help="set an account's password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.add_parser("list", help="list accounts")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    if problem := data_dir_problem(settings.data_dir):
        print(f"sceneintruder: {problem}", file=sys.stderr)  # one line, no traceback
        return 2
    prepare_sqlite_file(settings.resolved_database_url)
    if args.command == "migrate":
        upgrade_to_head(settings.resolved_database_url)
        print("database is at the latest revision")
        return 0
    if args.command == "serve":
        if problem := _cluster_problem(settings, args.workers):
            print(f"sceneintruder: {problem}", file=sys.stderr)
            return 2
        return _serve(settings, host=args.host, port=args.port, workers=args.workers)
    upgrade_to_head(settings.resolved_database_url)
    if args.action == "list":
        return _run(settings, _list_users)
    password = _read_password(args.password_stdin)
    if password is None:
        return 2
    hasher = _hasher(settings)
    if args.action == "create":
        role = Role(args.role)

        async def create(session: AsyncSession) -> int:
            await users_service.create_account(
                session, user_id=args.username, password_hash=hasher.hash(password), role=role
            )
            print(f"created {role.value} '{args.username}'")
            return 0

        return _run(settings, create)

    async def change(session: AsyncSession) -> int:
        await users_service.set_password_hash(
            session, user_id=args.username, password_hash=hasher.hash(password), cache=None
        )
        print(f"password of '{args.username}' changed")
        return 0

    return _run(settings, change)


def _cluster_problem(settings: Settings, workers: int) -> str | None:
    """Why these settings cannot serve with `workers` processes, in one line (None: they can)."""
    if workers < 1:
        return "--workers must be at least 1"
    if workers > 1 and not settings.redis_url:
        database = "SQLite" if is_sqlite(settings.resolved_database_url) else "the database"
        return (
            f"--workers {workers} needs REDIS_URL: jobs, WebSocket rooms, rate limits and scene locks are shared "
            f"through Redis (with {database} alone, each worker would keep its own); see README, "
            '"When you outgrow one machine"'
        )
    if settings.redis_url:
        import redis  # only needed here

        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
        try:
            client.ping()
        except redis.RedisError as exc:
            return f"REDIS_URL {redact_url_password(settings.redis_url)} does not answer: {exc}"
        finally:
            client.close()
    return None


def _serve(settings: Settings, *, host: str | None, port: int | None, workers: int = 1) -> int:
    import uvicorn  # slow import, only needed here

    from sceneintruder.app import create_app
    from sceneintruder.web.ws_protocol import GuardedWebSocketProtocol

    upgrade_to_head(settings.resolved_database_url)
    # One process: the app built here. Several: each worker builds its own from the same environment.
    app: object = create_app(settings) if workers == 1 else "sceneintruder.app:create_app"
    uvicorn.run(
        app,  # type: ignore[arg-type]
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        # uvicorn formats each access line's arguments before its logger drops them below INFO: ~5% of a small
        # GET's CPU (bench/http_api.py --profile). Access lines are written only when they would be shown.
        access_log=settings.log_level.upper() in ("DEBUG", "INFO"),
        proxy_headers=settings.trust_forwarded_for,
        # WebSocket keepalive at the protocol level: a peer that does not answer a ping in time is closed (the
        # reference's read deadline). Frames far over the app's own limit are refused by uvicorn before parsing.
        ws_ping_interval=settings.ws_heartbeat_seconds,
        ws_ping_timeout=settings.ws_ping_timeout_seconds,
        ws_max_size=4 * settings.ws_max_message_bytes,
        ws_per_message_deflate=settings.ws_per_message_deflate,
        ws=GuardedWebSocketProtocol,
    )
    return 0


def _hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
    )


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("passwords differ", file=sys.stderr)
            return None
    else:
        password = generate_password()
        print(f"generated password: {password}")
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
        return None
    return password


async def _list_users(session: AsyncSession) -> int:
    for account in await users_service.list_accounts(session):
        login = "no password" if not account.password_hash else "password set"
        print(f"{account.id}\t{account.role}\t{login}\tcreated {account.created_at:%Y-%m-%d}")
    return 0


def _run(settings: Settings, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(create_engine(settings.resolved_database_url))
        try:
            async with db.writer() as session:
                return await action(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except Exception as exc:  # a CLI answers with one line, not a trace
        message = getattr(exc, "message", None) or str(exc)
        details = getattr(exc, "details", None)
        print(f"error: {message}" + (f" ({details})" if details else ""), file=sys.stderr)
        raise SystemExit(1) from exc
