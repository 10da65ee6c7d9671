"""The HTTP half: the response envelope and error handlers, pure-ASGI middleware (request ids, security
headers, CORS, body limits, rate limits), route dispatch, the SPA and the API docs, shared request
dependencies (settings, sessions, the caller), and the typed application state they read. Everything that
imports FastAPI or Starlette below the domain routers lives here; `core` stays framework-free.
"""
