"""zeren.graph — the model: schema, rulebook, stores. Imports nothing else of zeren."""

from .errors import InputError, NotFound, Problem, RulebookError, StoreError, ZerenError

__all__ = ["InputError", "NotFound", "Problem", "RulebookError", "StoreError", "ZerenError"]
