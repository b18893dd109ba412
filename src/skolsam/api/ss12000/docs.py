"""Serve the SS 12000 2.1.0 specification and a readable page of it.

The YAML is read by `spec.load_spec` (it is SIS's and not copied into this repository).
The page is rendered on the server from the spec itself: no JavaScript, nothing from a CDN.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from skolsam.api.ss12000.spec import load_spec
from skolsam.api.ss12000.views import error, json_response, not_held

# The API's base path, as urls.py routes it.
BASE = "ss12000/v2.0/"
METHODS = ("get", "post", "put", "patch", "delete")


def spec_for(base_url: str) -> dict[str, Any] | None:
    """Return the spec with its `servers` pointing at this Skolsam, and its one type mended."""
    spec = load_spec()
    if spec is None:
        return None
    served = copy.deepcopy(spec)
    served["servers"] = [{"url": base_url, "description": "Skolsam"}]
    _mend_schedule_entry(served)
    return served


def _mend_schedule_entry(spec: dict[str, Any]) -> None:
    """Declare `AttendanceScheduleEntry.endTime` as the HH:MM string it plainly is.

    2.1.0 declares it `type: integer` with an HH:MM pattern in `format`, beside a
    `startTime` that is a string with the same pattern: a slip in the spec. Skolsam reads
    and writes both as "HH:MM" strings, and says so in the spec it serves, so a client's
    generator and Skolsam's own response checks agree with what is sent.
    """
    entry = spec.get("components", {}).get("schemas", {}).get("AttendanceScheduleEntry")
    if not entry:
        return
    for name in ("startTime", "endTime"):
        field = entry.get("properties", {}).get(name)
        if field is not None:
            field.update(type="string", pattern="^[0-9]{2}:[0-9]{2}$")
            field.pop("format", None)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/ss12000/v2.0")


def spec_json(request: HttpRequest) -> HttpResponse:
    spec = spec_for(_base_url(request))
    if spec is None:
        return error(404, "NotFound", "Specifikationen finns inte på servern.")
    return json_response(spec)


def is_served(method: str, spec_path: str) -> bool:
    """Tell whether Skolsam answers this operation of the spec (not 405, not 501).

    Read from the URL configuration itself: the path (with a made-up id) must resolve to
    an API view whose `api_view` methods include this one.
    """
    url = "/" + BASE + spec_path.strip("/").replace("{id}", str(uuid.UUID(int=0)))
    if spec_path.endswith("/"):
        url += "/"
    try:
        match = resolve(url)
    except Resolver404:
        return False
    return method.upper() in getattr(match.func, "ss12000_methods", ())


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
                    "served": is_served(method, path_name),
                    # What an operation Skolsam does not serve answers.
                    "unserved": 501 if path_name.strip("/").split("/")[0] in not_held() else 405,
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
