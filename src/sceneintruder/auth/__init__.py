"""Authentication: login, logout (token revocation), and resolving a bearer token to a principal."""
