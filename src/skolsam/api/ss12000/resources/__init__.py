"""Register the SS 12000 API's resource types: one module per domain, in the spec's order.

Each module listed in `MODULES` has a `RESOURCES` tuple of `describe.Resource` (read
through the generic views, with routes of its own for writes) and `describe.Endpoint`
(served only by its own views). urls.py routes them, scopes.py names their scopes and
labels, docs.py marks them served, and the generic views look them up here.

Adding a resource type (resources, say) is adding `resources/<module>.py` and its name below.
The order is the order of the scopes on the clients' page and in tokens.
"""

from __future__ import annotations

import importlib

from skolsam.api.ss12000.describe import Endpoint, Resource

MODULES = (
    "organisations",
    "persons",
    "placements",
    "duties",
    "groups",
    "curriculum",
    "activities",
    "calendar_events",
    "attendances",
    "attendance_events",
    "attendance_schedules",
    "grades",
    "study_plans",
    "absences",
    "aggregated_attendance",
    "rooms",
    "subscriptions",
    "client_reports",
    "deleted_entities",
)

# Every resource type the API serves, by path, in the order above.
TYPES: dict[str, Resource | Endpoint] = {}
for _name in MODULES:
    for _type in importlib.import_module(f"{__name__}.{_name}").RESOURCES:
        if _type.path in TYPES:
            raise ImportError(f"SS 12000 resource {_type.path!r} is registered twice.")
        TYPES[_type.path] = _type

# The resource types read through the generic list, lookup and by-id views.
RESOURCES: dict[str, Resource] = {p: t for p, t in TYPES.items() if isinstance(t, Resource)}
