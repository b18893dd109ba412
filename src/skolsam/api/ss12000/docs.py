"""Serve the SS 12000 2.1.0 specification and a readable page of it.

The YAML is read by `spec.load_spec` (it is SIS's and not copied into this repository).
The page is rendered on the server from the spec itself: no JavaScript, nothing from a CDN.
"""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from skolsam.api.ss12000.resources import TYPES
from skolsam.api.ss12000.spec import load_spec
from skolsam.api.ss12000.views import error, json_response

METHODS = ("get", "post", "put", "patch", "delete")


def spec_for(base_url: str) -> dict[str, Any] | None:
    """Return the spec with its `servers` pointing at this Skolsam."""
    spec = load_spec()
    if spec is None:
        return None
    served = copy.deepcopy(spec)
    served["servers"] = [{"url": base_url, "description": "Skolsam"}]
    return served


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/ss12000/v2.0")


def spec_json(request: HttpRequest) -> HttpResponse:
    spec = spec_for(_base_url(request))
    if spec is None:
        return error(404, "NotFound", "Specifikationen finns inte på servern.")
    return json_response(spec)


def _schema_name(node: dict[str, Any]) -> str:
    schema = node.get("schema", node)
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"[{_schema_name(schema.get('items', {}))}]"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return str(schema.get("format") or schema.get("type") or "")


def documentation(request: HttpRequest) -> HttpResponse:
    spec = load_spec()
    operations = []
    for path_name, item in (spec or {}).get("paths", {}).items():
        first = path_name.strip("/").split("/")[0]
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path_name,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "served": first in TYPES,
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _schema_name(p),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _schema_name(body) if body else "",
                    "responses": [
                        {
                            "status": status,
                            "description": r.get("description", ""),
                            "schema": _schema_name(r.get("content", {}).get("application/json", {}))
                            if r.get("content")
                            else "",
                        }
                        for status, r in op.get("responses", {}).items()
                    ],
                }
            )
    return render(
        request,
        "ss12000/docs.html",
        {
            "spec": spec,
            "operations": operations,
            "base_url": _base_url(request),
            "token_url": request.build_absolute_uri("/oauth/token"),
        },
    )
