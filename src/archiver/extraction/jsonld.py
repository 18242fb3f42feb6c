"""The types a JSON-LD object declares, read one way by every reader of a page's metadata."""

from __future__ import annotations

from typing import Any


def ld_types(obj: dict[str, Any]) -> frozenset[str]:
    """The object's `@type` names, lowercase (`@type` may be one string or a list of them)."""
    kinds = obj.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return frozenset(k.lower() for k in names if isinstance(k, str))
