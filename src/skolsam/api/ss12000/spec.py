"""Read the SS 12000 2.1.0 specification that Skolsam serves and checks requests against.

The YAML is SIS's (TK450) and is read from `SKOLSAM_SS12000_SPEC_PATH` (by default the
copy in ../shared/specs/ss12000/), not copied into this repository. What a request may
carry is taken from it, so the accepted parameters cannot drift from the spec.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any] | None:
    """Read the official spec once; None when the file is not there."""
    path = Path(settings.SKOLSAM_SS12000_SPEC_PATH)
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _parameter(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    return spec["components"]["parameters"][str(ref).rsplit("/", 1)[-1]]


@lru_cache(maxsize=256)
def query_parameters(path: str, method: str) -> tuple[str, ...] | None:
    """Return the query parameters the spec names for `method path` (`/persons/{id}`).

    None when the spec is not on the server or does not have the operation: then
    nothing is refused for being unknown.
    """
    spec = load_spec()
    item = (spec or {}).get("paths", {}).get(path)
    if spec is None or item is None or method.lower() not in item:
        return None
    nodes = [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]
    params = (_parameter(spec, node) for node in nodes)
    return tuple(dict.fromkeys(p["name"] for p in params if p.get("in") == "query"))


def lookup_keys(path: str) -> tuple[str, ...] | None:
    """Return the keys of the spec's request body for `POST path` (a lookup)."""
    spec = load_spec()
    op = (spec or {}).get("paths", {}).get(path, {}).get("post")
    if spec is None or op is None:
        return None
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = schema.get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][str(schema["$ref"]).rsplit("/", 1)[-1]]
    return tuple(schema.get("properties", {}))


def expand_values(path: str, method: str = "get") -> tuple[str, ...] | None:
    """Return the values the spec allows for `expand` on `method path`."""
    spec = load_spec()
    item = (spec or {}).get("paths", {}).get(path)
    if spec is None or item is None or method not in item:
        return None
    for node in item[method].get("parameters", []):
        param = _parameter(spec, node)
        if param.get("name") == "expand":
            schema = param.get("schema", {})
            return tuple(schema.get("items", schema).get("enum", ()))
    return ()
