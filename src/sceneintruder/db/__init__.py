"""Database plumbing: declarative base, async engine and sessions, migrations."""
