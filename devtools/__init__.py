"""Development tooling that is not part of the product (the import contracts CI checks)."""
