"""Write what the API owns: clients, subscriptions, client log and statistics, tombstones.

Every write is a named function, atomic and audit-logged; tasks are enqueued after commit.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from skolsam.api.ss12000 import auth, changes
from skolsam.api.ss12000.access import ApiScope
from skolsam.api.ss12000.models import (
    ENTITY_TYPES,
    ApiClient,
    ClientLogEntry,
    ClientStatisticsEntry,
    ConsumerProfile,
    Subscription,
)
from skolsam.api.ss12000.paging import BadRequest, as_datetime, as_uuid
from skolsam.api.ss12000.scopes import (
    ScopeError,
    parse_scopes,
    readable_entities,
    vocabulary,
)
from skolsam.audit.services import audit_record
from skolsam.core.access import Actor
from skolsam.core.changes import change_record
from skolsam.core.choices import SecurityMarking
from skolsam.core.errors import DomainError
from skolsam.core.models import EndedRelationsRecorded
from skolsam.duties.models import AssignmentRole, Duty
from skolsam.enrolment.models import Enrolment, Placement
from skolsam.groups.models import GroupMembership
from skolsam.people.models import Responsible
from skolsam.people.services import person_change_record

LOOKUP_MAX = 1000
SUBSCRIPTION_DAYS = 30


class TooLarge(Exception):
    """The answer would be larger than the server hands out at once (503)."""


# --- request bodies ------------------------------------------------------------------------


def parse_json_object(raw: bytes, *, allow_empty: bool = False) -> dict[str, Any]:
    if not raw.strip():
        if allow_empty:
            return {}
        raise BadRequest("Anropet saknar en JSON-kropp.")
    if b"\\u0000" in raw:
        raise BadRequest("Kroppen innehåller ett NUL-tecken.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("Kroppen är inte giltig JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("Kroppen ska vara ett JSON-objekt.")
    return body


def parse_lookup_body(raw: bytes, keys: Sequence[str]) -> dict[str, list[str]]:
    """Read `{ids: [...], ...}`: every key a list of strings, at most LOOKUP_MAX in all.

    More values than that is a 400 with code `TooManyValues`; a key the spec does not
    define for this lookup is a 400 `UnknownParameter`.
    """
    body = parse_json_object(raw)
    if unknown := sorted(key for key in body if key not in keys):
        # A misspelt key (`student` for `students`) would otherwise look up nothing and
        # answer an empty list, which the client would take for "none found".
        raise BadRequest(
            f"Okänd nyckel i uppslagningen: {', '.join(unknown)}. Tillåtna: {', '.join(keys)}.",
            code="UnknownParameter",
        )
    out: dict[str, list[str]] = {}
    for key, value in body.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRequest(f"{key} ska vara en lista med strängar.")
        out[key] = value
    asked = sum(len(v) for v in out.values())
    if asked > LOOKUP_MAX:
        # The client asked for too much, which is its error (400), not the server's
        # overload (503); refused before any query.
        raise BadRequest(
            f"En uppslagning får innehålla högst {LOOKUP_MAX} värden sammanlagt; "
            f"den här innehöll {asked}. Dela upp den i flera anrop.",
            code="TooManyValues",
        )
    return out


def client_credentials(request: HttpRequest) -> tuple[str, str]:
    """Read client credentials from HTTP Basic auth, else from the form body."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _colon, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


# --- clients -------------------------------------------------------------------------------


@transaction.atomic
def api_client_create(
    *,
    actor: Actor,
    name: str,
    organisations: Iterable[Any],
    scopes: Iterable[str],
    allow_protected_data: bool = False,
    consumer_profile: str = ConsumerProfile.STANDARD,
    issuer: str = "",
    external_id: str = "",
) -> tuple[ApiClient, str]:
    """Register a client bound to `organisations`; return it and its secret (shown once).

    `scopes` are scope strings (`persons:read`, `*:read`, ...); at least one is required,
    since a client that may do nothing is a mistake, not a safe default.
    """
    orgs = list(organisations)
    if not name.strip():
        raise DomainError({"name": _("Ange ett namn för klienten.")})
    granted = _granted(scopes)
    if not orgs:
        raise DomainError({"organisations": _("Klienten måste knytas till minst en organisation.")})
    if consumer_profile not in ConsumerProfile.values:
        raise DomainError(
            {
                "consumer_profile": _("Okänd profil %(consumer_profile)r.")
                % {"consumer_profile": consumer_profile}
            }
        )
    if bool(issuer) != bool(external_id):
        raise DomainError({"issuer": _("Extern utfärdare och externt id anges tillsammans.")})
    if issuer and ApiClient.objects.filter(issuer=issuer, external_id=external_id).exists():
        raise DomainError(
            {"external_id": _("Det finns redan en klient för den utfärdaren och id:t.")}
        )
    secret = "" if issuer else auth.new_client_secret()
    client = ApiClient.objects.create(
        name=name.strip(),
        client_id=auth.new_client_id(),
        secret_hash=auth.hash_secret(secret) if secret else "",
        allow_protected_data=allow_protected_data,
        consumer_profile=consumer_profile,
        issuer=issuer,
        external_id=external_id,
        scopes=granted,
    )
    client.organisations.set(orgs)
    audit_record(
        actor=actor,
        action="ss12000.client.create",
        object_type="ApiClient",
        object_id=client.pk,
        detail={
            "client": client.client_id,
            "name": client.name,
            "organisations": [str(o.pk) for o in orgs],
            "allow_protected_data": allow_protected_data,
            "consumer_profile": consumer_profile,
            "issuer": issuer,
            "scopes": granted,
        },
    )
    return client, secret


def _granted(values: Iterable[str]) -> list[str]:
    granted = parse_scopes(values)
    if not granted:
        raise ScopeError(
            {"scopes": "Ge klienten minst ett scope, till exempel persons:read eller *:read."}
        )
    return granted


@transaction.atomic
def api_client_set_scopes(*, actor: Actor, client: ApiClient, scopes: Iterable[str]) -> ApiClient:
    """Replace the client's scopes; its tokens lose what is removed from the next request on.

    Webhooks for entity types it may no longer read are narrowed in the same transaction.
    """
    granted = _granted(scopes)
    if not client.is_active:
        raise DomainError(_("Klienten är spärrad."))
    before = list(client.scopes)
    if granted == before:
        return client
    client.scopes = granted
    client.save(update_fields=["scopes"])
    _subscriptions_narrow(client, granted)
    audit_record(
        actor=actor,
        action="ss12000.client.scopes",
        object_type="ApiClient",
        object_id=client.pk,
        detail={
            "client": client.client_id,
            "added": [s for s in granted if s not in before],
            "removed": [s for s in before if s not in granted],
            "scopes": granted,
        },
    )
    return client


@transaction.atomic
def api_client_rotate(*, actor: Actor, client: ApiClient) -> str:
    """Give the client a new secret; tokens issued with the old one stop working at once."""
    if client.issuer:
        raise DomainError(_("En klient med extern utfärdare har ingen hemlighet hos Skolsam."))
    if not client.is_active:
        raise DomainError(_("Klienten är spärrad."))
    secret = auth.new_client_secret()
    client.secret_hash = auth.hash_secret(secret)
    client.secret_version += 1
    client.save(update_fields=["secret_hash", "secret_version"])
    audit_record(
        actor=actor,
        action="ss12000.client.rotate",
        object_type="ApiClient",
        object_id=client.pk,
        detail={"client": client.client_id},
    )
    return secret


@transaction.atomic
def api_client_revoke(*, actor: Actor, client: ApiClient) -> ApiClient:
    """Block the client: its tokens are refused from the next request on."""
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at"])
    audit_record(
        actor=actor,
        action="ss12000.client.revoke",
        object_type="ApiClient",
        object_id=client.pk,
        detail={"client": client.client_id},
    )
    return client


# --- subscriptions -------------------------------------------------------------------------


def _check_target(target: Any) -> str:
    if not isinstance(target, str) or not target:
        raise BadRequest("target ska vara en URL.")
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("target ska vara en http- eller https-URL.")
    if not settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE and not is_public_host(parts.hostname):
        raise BadRequest("target får inte peka på en intern adress.")
    return target


def is_public_host(host: str) -> bool:
    """Tell whether every address `host` resolves to is public (no SSRF to the inside)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return bool(infos)


def _resource_types(value: Any, granted_scopes: Collection[str]) -> list[str]:
    if not isinstance(value, list):
        raise BadRequest("resourceTypes ska vara en lista.")
    readable = readable_entities(granted_scopes)
    entity_resource = vocabulary().entity_resource
    types = []
    for item in value:
        resource = item.get("resource") if isinstance(item, dict) else None
        if resource not in ENTITY_TYPES:
            raise BadRequest(f"resourceTypes: {resource!r} är ingen resurstyp i SS 12000.")
        if resource in entity_resource and resource not in readable:
            # A webhook tells that entities of a type changed: only for types the client
            # may read. Types Skolsam does not hold yet (Grade, Room, ...) never fire.
            raise BadRequest(
                f"resourceTypes: {resource} kräver scopet {entity_resource[resource]}:read, "
                "och det har klienten inte."
            )
        types.append(resource)
    return list(dict.fromkeys(types))


def _subscriptions_changed() -> None:
    """Make this process ask again which types are subscribed to, now and after commit."""
    changes.forget_subscribed_types()
    transaction.on_commit(changes.forget_subscribed_types)


def _subscriptions_narrow(client: ApiClient, granted: Collection[str]) -> None:
    """Stop the client's webhooks for entity types it may no longer read."""
    readable = readable_entities(granted)
    entity_resource = vocabulary().entity_resource
    changed = False
    for subscription in client.subscriptions.select_for_update():
        kept = [t for t in subscription.resource_types if t not in entity_resource or t in readable]
        if kept != subscription.resource_types:
            subscription.resource_types = kept
            subscription.save(update_fields=["resource_types"])
            changed = True
    if changed:
        _subscriptions_changed()


@transaction.atomic
def subscription_create(
    *, scope: ApiScope, granted_scopes: Collection[str], data: dict[str, Any]
) -> Subscription:
    """Register the client's webhook for entity types its `granted_scopes` let it read."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name saknas.")
    subscription = Subscription.objects.create(
        client_id=scope.client_pk,
        name=name.strip()[:200],
        target=_check_target(data.get("target")),
        resource_types=_resource_types(data.get("resourceTypes"), granted_scopes),
        expires=timezone.now() + timedelta(days=SUBSCRIPTION_DAYS),
    )
    _subscriptions_changed()
    audit_record(
        actor=scope.actor,
        action="ss12000.subscription.create",
        object_type="Subscription",
        object_id=subscription.pk,
        detail={"client": scope.client_id, "target": subscription.target},
    )
    return subscription


@transaction.atomic
def subscription_renew(
    *, scope: ApiScope, subscription: Subscription, data: dict[str, Any]
) -> Subscription:
    """Move `expires`: to the asked time (at most 30 days ahead), or 30 days from now."""
    latest = timezone.now() + timedelta(days=SUBSCRIPTION_DAYS)
    wanted = data.get("expires")
    if wanted is not None:
        if not isinstance(wanted, str):
            raise BadRequest("expires ska vara en tidpunkt.")
        expires = min(as_datetime(wanted, "expires"), latest)
    else:
        expires = latest
    subscription.expires = expires
    subscription.save(update_fields=["expires"])
    _subscriptions_changed()
    audit_record(
        actor=scope.actor,
        action="ss12000.subscription.renew",
        object_type="Subscription",
        object_id=subscription.pk,
        detail={"client": scope.client_id, "expires": expires},
    )
    return subscription


@transaction.atomic
def subscription_delete(*, scope: ApiScope, subscription: Subscription) -> None:
    pk = subscription.pk
    subscription.delete()
    _subscriptions_changed()
    audit_record(
        actor=scope.actor,
        action="ss12000.subscription.delete",
        object_type="Subscription",
        object_id=pk,
        detail={"client": scope.client_id},
    )


# --- log and statistics --------------------------------------------------------------------


def _optional_str(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{key} ska vara en sträng.")
    return value[:limit]


def _optional_time(data: dict[str, Any], key: str) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key} ska vara en tidpunkt.")
    return as_datetime(value, key)


def _resource_type(data: dict[str, Any], *, required: bool) -> str:
    value = data.get("resourceType")
    if value is None and not required:
        return ""
    if value not in ENTITY_TYPES:
        raise BadRequest(f"resourceType: {value!r} är ingen resurstyp i SS 12000.")
    return str(value)


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise BadRequest(f"{key} ska vara ett heltal.")
    return value


@transaction.atomic
def log_entry_create(*, scope: ApiScope, data: dict[str, Any]) -> ClientLogEntry:
    message = data.get("message")
    if not isinstance(message, str):
        raise BadRequest("message saknas.")
    severity = data.get("severityLevel")
    if severity not in ("Info", "Warning", "Error"):
        raise BadRequest("severityLevel ska vara Info, Warning eller Error.")
    resource_id = data.get("resourceId")
    entry = ClientLogEntry.objects.create(
        client_id=scope.client_pk,
        message=message[:10000],
        message_type=_optional_str(data, "messageType", 200),
        resource_type=_resource_type(data, required=False),
        resource_id=as_uuid(resource_id, "resourceId") if resource_id is not None else None,
        resource_url=_optional_str(data, "resourceUrl", 500),
        severity_level=severity,
        time_of_occurance=_optional_time(data, "timeOfOccurance"),
    )
    audit_record(
        actor=scope.actor,
        action="ss12000.log",
        object_type="ClientLogEntry",
        object_id=entry.pk,
        detail={"client": scope.client_id, "severity": severity},
    )
    return entry


@transaction.atomic
def statistics_entry_create(*, scope: ApiScope, data: dict[str, Any]) -> ClientStatisticsEntry:
    entry = ClientStatisticsEntry.objects.create(
        client_id=scope.client_pk,
        resource_type=_resource_type(data, required=True),
        new_count=_count(data, "newCount"),
        updated_count=_count(data, "updatedCount"),
        deleted_count=_count(data, "deletedCount"),
        resource_url=_optional_str(data, "resourceUrl", 500),
        time_of_occurance=_optional_time(data, "timeOfOccurance"),
    )
    audit_record(
        actor=scope.actor,
        action="ss12000.statistics",
        object_type="ClientStatisticsEntry",
        object_id=entry.pk,
        detail={"client": scope.client_id, "resource": entry.resource_type},
    )
    return entry


# --- relations that ended by the calendar ---------------------------------------------------

# Recorded through this day, as this process last saw it: the check costs nothing after the
# first request of a day.
_ended_recorded_through: list[date] = []


def ended_relations_record(today: date) -> None:
    """Record the relations that ended since the last time, as changes, before serving.

    The API hands out current and planned relations only (access.py), so an enrolment
    ending on day D drops out of a pupil's Person on D + 1, and may take the pupil (and
    her guardians) out of a school's view, with no write that day to record it. Called
    before every request is served; the first request of a day records every relation
    whose last day lies between the last recorded day and yesterday, as its service
    would have: the Person, Group, Duty or Placement changes (meta.modified moves) and
    the `left` tombstones in their organisations. One row
    (`core.EndedRelationsRecorded`), locked, keeps two processes from doing it twice.
    """
    yesterday = today - timedelta(days=1)
    if _ended_recorded_through and _ended_recorded_through[0] >= yesterday:
        return
    with transaction.atomic():
        mark = EndedRelationsRecorded.objects.select_for_update().first()
        if mark is None:
            # The first day: nothing before yesterday is known to be unrecorded.
            mark = EndedRelationsRecorded.objects.create(through=yesterday - timedelta(days=1))
        if mark.through < yesterday:
            _ended_record(after=mark.through, through=yesterday)
            mark.through = yesterday
            mark.save(update_fields=["through"])
    _ended_recorded_through[:] = [yesterday]


def _ended_record(*, after: date, through: date) -> None:
    window = {"end_date__gt": after, "end_date__lte": through}
    persons: set[Any] = set()
    with_guardians: set[Any] = set()
    by_org: dict[tuple[str, Any], set[Any]] = defaultdict(set)
    for person_id in Enrolment.objects.filter(cancelled=False, **window).values_list(
        "person_id", flat=True
    ):
        with_guardians.add(person_id)
    for pk, child, marking, org, huvudman in Placement.objects.filter(**window).values_list(
        "pk", "child_id", "child__security_marking", "placed_at_id", "placed_at__huvudman_id"
    ):
        with_guardians.add(child)
        by_org["Placement", org if marking == SecurityMarking.INGEN else huvudman or org].add(pk)
    with_guardians.update(
        Placement.owners.through.objects.filter(
            **{f"placement__{k}": v for k, v in window.items()}
        ).values_list("person_id", flat=True)
    )
    for pk, person, marking, org, huvudman in Duty.objects.filter(**window).values_list(
        "pk", "person_id", "person__security_marking", "duty_at_id", "duty_at__huvudman_id"
    ):
        persons.add(person)
        by_org["Duty", org if marking == SecurityMarking.INGEN else huvudman or org].add(pk)
    for duty, group, org in AssignmentRole.objects.filter(**window).values_list(
        "duty_id", "group_id", "group__organisation_id"
    ):
        by_org["Duty", org].add(duty)
        by_org["Group", org].add(group)
    for group, org in GroupMembership.objects.filter(**window).values_list(
        "group_id", "group__organisation_id"
    ):
        by_org["Group", org].add(group)
    for child, guardian in Responsible.objects.filter(**window).values_list(
        "person_id", "responsible_id"
    ):
        persons.update((child, guardian))
    for (entity_type, org), ids in by_org.items():
        change_record(entity_type=entity_type, ids=sorted(ids), organisation_ids=[org])
    if with_guardians:
        person_change_record(sorted(with_guardians), with_guardians=True)
    if persons - with_guardians:
        person_change_record(sorted(persons - with_guardians))
