"""The registry of resource types: every module is listed, every type is the spec's."""

from __future__ import annotations

import pkgutil

from skolsam.api.ss12000 import resources, scopes, views
from skolsam.api.ss12000.describe import Endpoint, Resource


def test_every_module_in_the_package_is_registered() -> None:
    found = {m.name for m in pkgutil.iter_modules(resources.__path__)}
    assert found == set(resources.MODULES)


def test_every_registered_type_is_a_resource_of_the_spec() -> None:
    assert set(resources.TYPES) <= set(views.SPEC_RESOURCES)
    assert all(isinstance(t, Resource | Endpoint) for t in resources.TYPES.values())
    assert all(t.label for t in resources.TYPES.values())


def test_the_scopes_are_the_registered_types_and_their_access() -> None:
    assert list(scopes.RESOURCE_TYPES) == list(resources.TYPES)
    # Every resource type of the spec is served (studyplans came last, issue 12).
    assert views.not_held() == set()


def test_the_documentation_marks_exactly_the_operations_served() -> None:
    from skolsam.api.ss12000 import docs

    spec = docs.load_spec()
    assert spec is not None
    served = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in docs.METHODS
        if method in item and docs.is_served(method, path)
    }
    for operation in [
        ("POST", "/absences"),
        ("POST", "/attendanceEvents"),
        ("DELETE", "/attendanceEvents/{id}"),
        ("POST", "/attendanceSchedule"),
        ("DELETE", "/attendanceSchedule/{id}"),
        ("GET", "/rooms"),
        ("POST", "/rooms/lookup"),
        ("GET", "/resources/{id}"),
        ("POST", "/log/"),
        ("GET", "/studyplans"),
        ("GET", "/studyplans/{id}"),
    ]:
        assert operation in served
    unserved = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in docs.METHODS
        if method in item
    } - served
    # The spec's writes Skolsam does not take (grades, studyplans and the other read-only
    # resources have none), so every operation the spec defines is served.
    assert unserved == set()
