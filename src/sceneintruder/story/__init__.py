"""The branching story: one source of truth per scene."""
