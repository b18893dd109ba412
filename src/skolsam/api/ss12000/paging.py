"""Parse list parameters and page with keysets: stable while the data changes.

A page is `ORDER BY <sort key>, id` and `WHERE (<sort key>, id) > <last row's>`, so rows
inserted or deleted between two requests never make the next page skip or repeat a row
that was there all along. The page token is opaque to the client: the original query
(filters, sort, expand) and the last row's key, signed so it cannot be altered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

TOKEN_SALT = "skolsam.ss12000.page"  # noqa: S105 - a signing salt, not a secret


class BadRequest(Exception):
    """A parameter is wrong; answered 400 with the spec's Error body."""

    def __init__(self, message: str, code: str = "BadRequest") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- typed parameter readers -------------------------------------------------------------


def as_uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise BadRequest(f"{name}: {value!r} är inget UUID.") from None


def as_date(value: str, name: str) -> date:
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadRequest(f"{name}: {value!r} är inget datum (ÅÅÅÅ-MM-DD).")
    return parsed


def as_datetime(value: str, name: str) -> datetime:
    try:
        parsed = parse_datetime(value.replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadRequest(f"{name}: {value!r} är ingen tidpunkt (RFC 3339).")
    if timezone.is_naive(parsed):
        # RFC 3339 (the spec's date-time) requires an offset; guessing one would shift
        # an integrator's "changed after" by an hour twice a year without a word.
        raise BadRequest(
            f"{name}: {value!r} saknar tidszon; ange t.ex. 2026-09-01T08:00:00Z "
            "eller 2026-09-01T10:00:00+02:00 (RFC 3339)."
        )
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, RFC 3339 allows any.
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadRequest(f"{name}: {value!r} ligger utanför det tidsintervall som stöds.") from None


def as_bool(value: str, name: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadRequest(f"{name}: {value!r} är inget booleskt värde (true/false).")


def as_enum(value: str, name: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise BadRequest(f"{name}: {value!r} är inte ett av {', '.join(allowed)}.")
    return value


# --- sorting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One column of a sort order: a field (or annotation) and its direction."""

    expr: str
    desc: bool = False
    kind: str = "str"  # how the key travels in the page token: str, date, datetime, uuid


def _dump_key(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def _load_key(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "date":
        return parse_date(value)
    if kind == "uuid":
        return UUID(value)
    return value


def after_key(keys: Sequence[SortKey], values: Sequence[Any]) -> Q:
    """Build `(k1, k2, ...) > (v1, v2, ...)` honouring each key's direction."""
    q = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        op = "lt" if key.desc else "gt"
        q |= equal & Q(**{f"{key.expr}__{op}": value})
        equal &= Q(**{key.expr: value})
    return q


def order_by(keys: Sequence[SortKey]) -> list:
    return [F(k.expr).desc() if k.desc else F(k.expr).asc() for k in keys]


# --- the list query ----------------------------------------------------------------------


@dataclass
class ListQuery:
    """A parsed list request: filters (kept raw, for the token), sort, expand and limit."""

    endpoint: str
    params: dict[str, list[str]] = field(default_factory=dict)
    sortkey: str = ""
    limit: int = 0
    after: list[Any] | None = None
    from_token: bool = False

    def get(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else None

    def getlist(self, name: str) -> list[str]:
        return list(self.params.get(name, []))


def parse_list_query(
    *,
    endpoint: str,
    query: Mapping[str, Sequence[str]],
    client_id: str,
    max_limit: int,
    sortkeys: Sequence[str] = (),
) -> ListQuery:
    """Read limit, pageToken and the rest; pageToken with anything but limit is a 400."""
    limit = max_limit
    if "limit" in query:
        raw = query["limit"][-1]
        try:
            limit = int(raw)
        except ValueError:
            raise BadRequest(f"limit: {raw!r} är inget heltal.") from None
        if limit < 1:
            raise BadRequest("limit måste vara minst 1.")
        limit = min(limit, max_limit)
    if "pageToken" in query:
        others = sorted(k for k in query if k not in ("limit", "pageToken"))
        if others:
            raise BadRequest(
                "pageToken kan inte kombineras med andra parametrar än limit "
                f"(fick även {', '.join(others)}).",
                code="PageTokenWithFilter",
            )
        try:
            state = signing.loads(query["pageToken"][-1], salt=TOKEN_SALT)
        except signing.BadSignature:
            raise BadRequest("pageToken är inte giltig.", code="InvalidPageToken") from None
        if state.get("e") != endpoint or state.get("c") != client_id:
            raise BadRequest("pageToken hör till en annan fråga.", code="InvalidPageToken")
        return ListQuery(
            endpoint=endpoint,
            params=state["p"],
            sortkey=state["s"],
            limit=limit,
            after=state["k"],
            from_token=True,
        )
    params = {k: list(v) for k, v in query.items() if k != "limit"}
    sortkey = params.pop("sortkey", [""])[-1]
    if sortkey and sortkey not in sortkeys:
        raise BadRequest(f"sortkey: {sortkey!r} är inte ett av {', '.join(sortkeys)}.")
    return ListQuery(endpoint=endpoint, params=params, sortkey=sortkey, limit=limit)


def meta_filters(q: ListQuery) -> Q:
    """meta.created/modified: `before` is inclusive, `after` exclusive, as the spec says."""
    cond = Q()
    for name, lookup in (
        ("meta.created.before", "created__lte"),
        ("meta.created.after", "created__gt"),
        ("meta.modified.before", "modified__lte"),
        ("meta.modified.after", "modified__gt"),
    ):
        value = q.get(name)
        if value is not None:
            cond &= Q(**{lookup: as_datetime(value, name)})
    return cond


def period_filters(q: ListQuery, *, open_end_included: bool = True) -> Q:
    """startDate/endDate.onOrBefore/onOrAfter; a missing end date counts as open."""
    cond = Q()
    if (v := q.get("startDate.onOrBefore")) is not None:
        cond &= Q(start_date__lte=as_date(v, "startDate.onOrBefore"))
    if (v := q.get("startDate.onOrAfter")) is not None:
        cond &= Q(start_date__gte=as_date(v, "startDate.onOrAfter"))
    if (v := q.get("endDate.onOrBefore")) is not None:
        end = Q(end_date__lte=as_date(v, "endDate.onOrBefore"))
        cond &= end | Q(end_date__isnull=True) if open_end_included else end
    if (v := q.get("endDate.onOrAfter")) is not None:
        cond &= Q(end_date__gte=as_date(v, "endDate.onOrAfter")) | Q(end_date__isnull=True)
    return cond


@dataclass
class Page:
    rows: list[dict]
    next_token: str | None


def fetch_page(
    *,
    q: ListQuery,
    queryset: QuerySet,
    keys: Sequence[SortKey],
    fields: Sequence[str],
    client_id: str,
    annotate: Callable[[QuerySet], QuerySet] | None = None,
) -> Page:
    """Read one page of `fields` (plus the sort keys) and the token for the next one."""
    qs = annotate(queryset) if annotate else queryset
    if q.after is not None:
        try:
            values = [_load_key(v, k.kind) for v, k in zip(q.after, keys, strict=True)]
        except (ValueError, TypeError):
            raise BadRequest("pageToken är inte giltig.", code="InvalidPageToken") from None
        qs = qs.filter(after_key(keys, values))
    key_names = [k.expr for k in keys]
    wanted = list(dict.fromkeys([*fields, *key_names]))
    rows = list(qs.order_by(*order_by(keys)).values(*wanted)[: q.limit + 1])
    token = None
    if len(rows) > q.limit:
        rows = rows[: q.limit]
        last = rows[-1]
        token = signing.dumps(
            {
                "e": q.endpoint,
                "c": client_id,
                "p": q.params,
                "s": q.sortkey,
                "k": [_dump_key(last[name]) for name in key_names],
            },
            salt=TOKEN_SALT,
            compress=True,
        )
    return Page(rows=rows, next_token=token)
