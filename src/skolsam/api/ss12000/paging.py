"""Parse list parameters and page consistently: no record twice, none missed.

Two ways, chosen by the sort order:

- **Keyset**, for orders on columns nobody changes (the id, `created`, a tombstone's
  `deleted_at`): a page is `ORDER BY <key>, id` and `WHERE (<key>, id) > <last row's>`, so
  rows inserted or deleted between two requests never make the next page skip or repeat a
  row that was there all along.
- **Snapshot**, for orders on anything that can change (`modified`, names, dates, civic
  numbers): a record renamed or modified between two pages would move past the cursor
  (never served) or back before it (served twice). When such a result does not fit in
  one page, the first page writes the ordered ids into a `PageSnapshot` with one
  `INSERT ... SELECT ROW_NUMBER() OVER (ORDER BY ...)` of the filtered, scoped query;
  every page then reads the next positions and fetches those records as they are *now*,
  from the client's scope *now* (a record deleted or hidden since, such as one given
  protected identity, is skipped, never leaked). Filters are not applied again: a record
  that matched when the crawl began is served once, with its new values. A crawl's
  snapshot lives SNAPSHOT_LIFETIME; after that its token is a 400 `InvalidPageToken`
  asking the client to start again. Records created after the crawl began are not in it;
  the next incremental sync (`meta.modified.after`) brings them.

The page token is opaque to the client: the original query (filters, sort, expand) and
either the last row's key or the snapshot and the last position read, signed so it cannot
be altered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core import signing
from django.db import connection
from django.db.models import F, Field, OrderBy, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from skolsam.api.ss12000.models import PageSnapshot, PageSnapshotRow
from skolsam.core.collation import swedish
from skolsam.core.db import AnyOf

TOKEN_SALT = "skolsam.ss12000.page"  # noqa: S105 - a signing salt, not a secret
# How long a crawl under a changeable sort key may take from its first page to its last.
# A day covers the slowest nightly integration; the snapshot (16 bytes and two integers
# per record, 150,000 persons in a few megabytes) is then pruned.
SNAPSHOT_LIFETIME = timedelta(hours=24)
# Expired snapshots are pruned by a task enqueued at most this often per process.
PRUNE_SECONDS = 3600
_next_prune = [0.0]
# A snapshot page reads the next limit + 1 positions; when records have dropped out of
# the client's view it reads further, at most this many times in all, so a page costs a
# bounded number of queries. A page left short still carries a token (limit is a maximum).
SNAPSHOT_ROUNDS = 3
EXPIRED = (
    "pageToken har gått ut eller hör inte till den här klienten: en genomgång sorterad på "
    f"något som kan ändras måste bli klar inom {SNAPSHOT_LIFETIME.total_seconds() / 3600:.0f} "
    "timmar. Börja om från första sidan, utan pageToken."
)


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
    """One column of a sort order: a field (or annotation) and its direction.

    `immutable` marks a column no service ever changes (the id, `created`): an order of
    such keys alone pages by keyset. Every other key is taken to change, and a crawl
    sorted on it pages through a snapshot; so a new key is safe until someone proves it
    immutable. `swedish` sorts text in Swedish order (core.collation).
    """

    expr: str
    desc: bool = False
    kind: str = "str"  # how the key travels in the page token: str, date, datetime, uuid
    immutable: bool = False
    swedish: bool = False


def is_stable(keys: Sequence[SortKey]) -> bool:
    """Tell whether an order can page by keyset: no key can change under the cursor."""
    return all(k.immutable for k in keys)


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


def order_by(keys: Sequence[SortKey]) -> list[OrderBy]:
    """Return the ORDER BY of `keys`, names under the Swedish collation."""
    exprs = [(swedish(k.expr) if k.swedish else F(k.expr), k.desc) for k in keys]
    return [e.desc() if desc else e.asc() for e, desc in exprs]


# --- the list query ----------------------------------------------------------------------


@dataclass
class ListQuery:
    """A parsed list request: filters (kept raw, for the token), sort, expand and limit."""

    endpoint: str
    params: dict[str, list[str]] = field(default_factory=dict)
    sortkey: str = ""
    limit: int = 0
    after: list[Any] | None = None
    # A snapshot crawl's place: {"id": snapshot id, "at": last position read, "n": size}.
    snapshot: dict[str, Any] | None = None
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
            after=state.get("k"),
            snapshot=state.get("n"),
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


def _token(q: ListQuery, client_id: str, **place: Any) -> str:
    return signing.dumps(
        {"e": q.endpoint, "c": client_id, "p": q.params, "s": q.sortkey, **place},
        salt=TOKEN_SALT,
        compress=True,
    )


def fetch_page(
    *,
    q: ListQuery,
    queryset: QuerySet,
    keys: Sequence[SortKey],
    fields: Sequence[str],
    client_id: str,
    annotate: Callable[[QuerySet], QuerySet] | None = None,
    visible: QuerySet | None = None,
    client_pk: UUID | None = None,
) -> Page:
    """Read one page of `fields` (plus the sort keys) and the token for the next one.

    `queryset` is the filtered, scoped query. An order that can change needs `visible`,
    the client's scope now without the filters, from which a snapshot's records are read,
    and `client_pk`, the client the snapshot belongs to.
    """
    if is_stable(keys):
        if q.snapshot is not None:
            raise BadRequest("pageToken är inte giltig.", code="InvalidPageToken")
        return _keyset_page(q, queryset, keys, fields, client_id, annotate)
    if visible is None or client_pk is None:
        raise TypeError("A sort on a key that can change pages through a snapshot.")
    current = annotate(visible) if annotate else visible
    wanted = list(dict.fromkeys(["id", *fields]))
    if q.from_token:
        if q.snapshot is None:
            raise BadRequest(EXPIRED, code="InvalidPageToken")
        return _snapshot_page(q, client_id, client_pk, current, wanted)
    qs = annotate(queryset) if annotate else queryset
    # Does the answer fit in one page? Asked without ORDER BY, so the database stops at
    # limit + 1 rows instead of sorting them all (which the snapshot then does once).
    probe = list(qs.order_by().values_list("pk", flat=True)[: q.limit + 1])
    if len(probe) <= q.limit:
        # It fits: read and sort those rows, nothing to keep.
        rows = list(qs.filter(AnyOf("pk", probe)).order_by(*order_by(keys)).values(*wanted))
        return Page(rows=rows, next_token=None)
    snapshot_id, size = snapshot_take(
        queryset=qs, keys=keys, client_pk=client_pk, endpoint=q.endpoint
    )
    q.snapshot = {"id": str(snapshot_id), "at": 0, "n": size}
    return _snapshot_page(q, client_id, client_pk, current, wanted)


def _keyset_page(
    q: ListQuery,
    queryset: QuerySet,
    keys: Sequence[SortKey],
    fields: Sequence[str],
    client_id: str,
    annotate: Callable[[QuerySet], QuerySet] | None,
) -> Page:
    qs = annotate(queryset) if annotate else queryset
    if q.after is not None:
        try:
            values = [_load_key(v, k.kind) for v, k in zip(q.after, keys, strict=True)]
        except (ValueError, TypeError):
            raise BadRequest("pageToken är inte giltig.", code="InvalidPageToken") from None
        qs = qs.filter(after_key(keys, values))
    elif q.from_token:
        raise BadRequest("pageToken är inte giltig.", code="InvalidPageToken")
    key_names = [k.expr for k in keys]
    wanted = list(dict.fromkeys([*fields, *key_names]))
    rows = list(qs.order_by(*order_by(keys)).values(*wanted)[: q.limit + 1])
    token = None
    if len(rows) > q.limit:
        rows = rows[: q.limit]
        last = rows[-1]
        token = _token(q, client_id, k=[_dump_key(last[name]) for name in key_names])
    return Page(rows=rows, next_token=token)


def snapshot_take(
    *, queryset: QuerySet, keys: Sequence[SortKey], client_pk: UUID, endpoint: str
) -> tuple[UUID, int]:
    """Write the ordered ids of `queryset` into a new snapshot; return it and its size.

    One statement: `INSERT ... SELECT ROW_NUMBER() OVER (ORDER BY <keys>), id FROM (<the
    query>)`, with the same ORDER BY (and collation) as a page, so the database sorts
    and the rows never travel through Python.
    """
    now = timezone.now()
    snapshot = PageSnapshot.objects.create(
        client_id=client_pk, endpoint=endpoint, created=now, expires=now + SNAPSHOT_LIFETIME
    )
    ordered = (
        queryset.order_by()
        .annotate(_position=Window(RowNumber(), order_by=order_by(keys)), _entity=F("pk"))
        .values("_position", "_entity")
    )
    sql, params = ordered.query.sql_with_params()
    meta = PageSnapshotRow._meta
    qn = connection.ops.quote_name
    columns = ", ".join(
        qn(field.column)
        for name in ("snapshot", "position", "entity_id")
        if isinstance(field := meta.get_field(name), Field) and field.column
    )
    snapshot_param = PageSnapshot._meta.pk.get_db_prep_value(snapshot.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(meta.db_table)} ({columns}) "  # noqa: S608 - names from _meta
            f'SELECT %s, s."_position", s."_entity" FROM ({sql}) s',
            (snapshot_param, *params),
        )
        size = cursor.rowcount
    _prune_now_and_then()
    return snapshot.pk, size


def _prune_now_and_then() -> None:
    now = time.monotonic()
    if now > _next_prune[0]:
        _next_prune[0] = now + PRUNE_SECONDS
        from skolsam.api.ss12000.tasks import prune_page_snapshots

        prune_page_snapshots.enqueue()


def _snapshot_page(
    q: ListQuery, client_id: str, client_pk: UUID, current: QuerySet, wanted: list[str]
) -> Page:
    """Serve the records at the next positions of the crawl's snapshot, as they are now."""
    place = q.snapshot or {}
    try:
        snapshot_id, read_to, size = UUID(place["id"]), int(place["at"]), int(place["n"])
    except (KeyError, ValueError, TypeError):
        raise BadRequest("pageToken är inte giltig.", code="InvalidPageToken") from None
    positions = PageSnapshotRow.objects.filter(
        snapshot_id=snapshot_id,
        snapshot__client_id=client_pk,
        snapshot__expires__gt=timezone.now(),
    ).order_by("position")
    served: list[tuple[int, dict]] = []
    window = q.limit + 1
    for _round in range(SNAPSHOT_ROUNDS):
        if len(served) > q.limit or read_to >= size:
            break
        batch = list(
            positions.filter(position__gt=read_to).values_list("position", "entity_id")[:window]
        )
        if not batch:
            # The positions are there until the snapshot expires or is pruned.
            raise BadRequest(EXPIRED, code="InvalidPageToken")
        found = {
            row["id"]: row
            for row in current.filter(AnyOf("pk", [e for _, e in batch])).values(*wanted)
        }
        served += [(position, found[entity]) for position, entity in batch if entity in found]
        read_to = batch[-1][0]
        # Records dropped out of view: read further, more generously each time.
        window = max(4 * (q.limit + 1 - len(served)), q.limit + 1)
    token = None
    if len(served) > q.limit:
        served = served[: q.limit]
        token = _token(q, client_id, n={**place, "at": served[-1][0]})
    elif read_to < size:
        token = _token(q, client_id, n={**place, "at": read_to})
    return Page(rows=[row for _, row in served], next_token=token)
