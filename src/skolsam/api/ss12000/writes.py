"""Read a write's JSON body (the spec's full entity) field by field, refusing with 400.

Every write view reads its body through these, so a bad value is answered the same way
everywhere: the spec's Error body, `BadRequest`, the field named by its SS 12000 name and
why, in Swedish, before anything is looked up or stored. A reference the client cannot
see (missing, in another organisation, a protected pupil it may not see) is refused as
unknown, with the same words, so the answer tells nothing about what exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse

from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.paging import BadRequest, as_date, as_datetime, as_uuid
from skolsam.api.ss12000.serializers import Ctx
from skolsam.api.ss12000.views import json_response
from skolsam.core.dates import EARLIEST, LATEST
from skolsam.core.errors import DomainError, text_problem

# The largest integer the database's integer columns hold (PostgreSQL `integer`).
MAX_INT = 2**31 - 1

M = TypeVar("M", bound=Model)


def ref_id(body: Mapping[str, Any], name: str, *, required: bool = True) -> UUID | None:
    """Read a reference (`{"id": uuid}`) to another entity."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise BadRequest(f'{name}: en referens med id krävs, t.ex. {{"id": "<uuid>"}}.')
    return as_uuid(value["id"], f"{name}.id")


def referenced(qs: QuerySet[M], pk: UUID | None, name: str, label: str) -> M:
    """Return the referenced row the client may see, or refuse it as unknown (400)."""
    row = qs.filter(pk=pk).first() if pk is not None else None
    if row is None:
        raise BadRequest(f"{name}.id: {label} {pk} finns inte eller nås inte av klienten.")
    return row


def integer(
    body: Mapping[str, Any],
    name: str,
    *,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_INT,
) -> int:
    value = body.get(name, default)
    if value is None:
        raise BadRequest(f"{name}: krävs och ska vara ett heltal.")
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{name}: måste vara ett heltal.")
    if not minimum <= value <= maximum:
        raise BadRequest(f"{name}: måste vara mellan {minimum} och {maximum}.")
    return value


def boolean(body: Mapping[str, Any], name: str, *, default: bool | None = None) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{name}: krävs och ska vara true eller false.")
    return value


def text(body: Mapping[str, Any], name: str, *, max_length: int) -> str:
    """Read an optional one-line text; control characters and overlong values are refused."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name}: ska vara en sträng.")
    if problem := text_problem(value, max_length=max_length):
        raise BadRequest(f"{name}: {problem}")
    return value


def choice(body: Mapping[str, Any], name: str, allowed: Sequence[str]) -> str:
    value = body.get(name)
    if value not in allowed:
        raise BadRequest(f"{name}: krävs och ska vara ett av {', '.join(allowed)}.")
    return str(value)


def moment(body: Mapping[str, Any], name: str) -> datetime:
    """Read a required RFC 3339 time with an offset, within the years Skolsam handles."""
    value = body.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"{name}: krävs som tidpunkt (RFC 3339), t.ex. 2026-09-14T08:00:00+02:00.")
    parsed = as_datetime(value, name)
    if not EARLIEST <= parsed.date() <= LATEST:
        raise BadRequest(f"{name}: {value!r} ligger utanför {EARLIEST.year}–{LATEST.year}.")
    return parsed


def day(body: Mapping[str, Any], name: str, *, required: bool = True) -> date | None:
    """Read a date (ÅÅÅÅ-MM-DD) within the years Skolsam handles."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name}: krävs som datum (ÅÅÅÅ-MM-DD).")
    parsed = as_date(value, name)
    if not EARLIEST <= parsed <= LATEST:
        raise BadRequest(f"{name}: {value!r} ligger utanför {EARLIEST.year}–{LATEST.year}.")
    return parsed


def refused(exc: DomainError, names: Mapping[str, str]) -> BadRequest:
    """Turn a service's refusal into a 400 naming the field by its SS 12000 name."""
    if hasattr(exc, "error_dict"):
        parts = [
            f"{names.get(field, field)}: {' '.join(messages)}"
            for field, messages in exc.message_dict.items()
        ]
        return BadRequest(" ".join(parts))
    return BadRequest(" ".join(exc.messages))


@contextmanager
def refusing(names: Mapping[str, str]) -> Iterator[None]:
    """Answer a service's refusal inside the block as a 400 (`refused`), nothing stored."""
    try:
        yield
    except DomainError as exc:
        raise refused(exc, names) from None


def served(
    visible: QuerySet,
    pk: Any,
    *,
    fields: Sequence[str],
    serialize: Callable[[list[dict[str, Any]], Ctx], list[dict[str, Any]]],
    scope: ApiScope,
) -> HttpResponse:
    """Answer a write with the row it created, as this client reads it through `visible`.

    The spec answers a created entity with 200 and names no Location.
    """
    return json_response(
        serialize(list(visible.filter(pk=pk).values(*fields)), Ctx(scope=scope))[0]
    )


def visible_or_404(visible: QuerySet[M], pk: str) -> M:
    """Return the row of `pk` the client may see: a missing, malformed or hidden id is 404."""
    row = visible.filter(pk=as_uuid(pk, "id")).first()
    if row is None:
        raise Http404
    return row
