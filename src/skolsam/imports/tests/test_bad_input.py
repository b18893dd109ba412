"""Test what the import does with input nobody should send: it says why and changes nothing.

Text no field may store (control characters, direction overrides, values longer than the
field) is refused with row, column and reason; files that are not register files get one
clear Swedish message; and random bytes or random cells never raise.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skolsam.accounts.actor import actor_for_person
from skolsam.core.errors import text_problem
from skolsam.imports.models import RegisterImport
from skolsam.imports.parser import MAX_BYTES, parse_file
from skolsam.imports.services import plan_import
from skolsam.imports.tests.conftest import HEADER, csv_bytes, pupil_row, table_counts
from skolsam.testing.story import client_for

pytestmark = pytest.mark.django_db


def _upload(client: Any, unit: Any, data: bytes, name: str = "elever.csv") -> Any:
    return client.post(
        reverse("register_import", args=[unit.pk]), {"file": SimpleUploadedFile(name, data)}
    )


@pytest.mark.parametrize(
    ("column", "value", "why"),
    [
        ("förnamn", "El\x00va", "otillåtet tecken (U+0000, ett styrtecken) på plats 3"),
        ("efternamn", "Lind\x1bqvist", "otillåtet tecken (U+001B, ett styrtecken) på plats 5"),
        ("vh1_förnamn", "Mam\x85ma", "otillåtet tecken (U+0085, ett styrtecken) på plats 4"),
        ("klass", "7A\u202e", "otillåtet tecken (U+202E, ett riktningstecken) på plats 3"),
        ("förnamn", "A" * 100_000, "för långt: 100\u00a0000 tecken, högst 100"),
        ("klass", "7" * 121, "för långt: 121 tecken, högst 120"),
        ("vh1_epost", "a@" + "b" * 300 + ".se", "för långt: 305 tecken, högst 254"),
    ],
    ids=["nul", "escape", "c1", "bidi-override", "long-name", "long-class", "long-email"],
)
def test_text_no_field_may_store_is_refused_with_row_column_and_why(
    story: Any, column: str, value: str, why: str
) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    before = table_counts()

    response = _upload(client, story.scheeleskolan, csv_bytes([pupil_row(0), pupil_row(1)]))
    assert response.context["staged"] is not None  # the same file without the value imports
    response = _upload(
        client, story.scheeleskolan, csv_bytes([pupil_row(0), pupil_row(1, **{column: value})])
    )

    assert response.status_code == 200
    assert response.context["staged"] is None
    errors = response.context["plan"].errors
    assert [(i.row, i.column) for i in errors] == [(3, column)]  # one error, not "saknas" too
    assert why in errors[0].message
    assert value not in response.content.decode()  # neither echoed nor stored
    before.pop("imports.RegisterImport")
    after = table_counts()
    after.pop("imports.RegisterImport")
    assert after == before
    assert RegisterImport.objects.filter(status=RegisterImport.Status.COMMITTED).count() == 0


def test_tabs_and_line_breaks_inside_a_cell_become_one_space(story: Any) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)

    response = _upload(
        client, story.scheeleskolan, csv_bytes([pupil_row(0, förnamn="Anna\r\n\tLisa")])
    )

    assert response.context["plan"].ok
    assert response.context["plan"].lines[0].person.given_name == "Anna Lisa"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x81\x8d\x8f\x90\x9d;x\r\n", "elever.csv", "Filens teckenkodning går inte att läsa"),
        (PNG, "elever.csv", "Filen går inte att läsa som CSV eller Excel"),
        (bytes(range(256)) * 8, "elever.csv", "Filen går inte att läsa som CSV eller Excel"),
        (b"   \r\n\r\n", "elever.csv", "Filen är tom."),
        (
            b"Namn;Grupp;Mobilnr\r\nAlva;7A;070\r\n",
            "elever.csv",
            "Första raden är ingen rubrikrad: ingen kolumn känns igen.",
        ),
        (csv_bytes([pupil_row(0)]), "elever.xlsx", "Filen är ingen giltig Excel-arbetsbok"),
        (b"PK\x03\x04" + b"\x00" * 64, "elever.xlsx", "Filen kunde inte läsas som Excel-arbetsbok"),
        (
            b'personnummer;f\xc3\xb6rnamn\r\n"' + b"x" * 200_000,
            "elever.csv",
            "Filen går inte att läsa som CSV",
        ),
        (b"a" * (MAX_BYTES + 1), "elever.csv", "Filen är för stor (högst 5 MB)."),
    ],
    ids=[
        "encoding",
        "png",
        "binary",
        "blank",
        "wrong-header",
        "csv-named-xlsx",
        "broken-zip",
        "unclosed-quote",
        "huge",
    ],
)
def test_a_file_that_is_no_register_file_gets_one_clear_message_and_changes_nothing(
    story: Any, data: bytes, name: str, message: str
) -> None:
    client = client_for(story.school_admin_at_scheeleskolan)
    before = table_counts()

    response = _upload(client, story.scheeleskolan, data, name)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context.get("staged") is None
    assert table_counts() == before


def test_an_empty_upload_is_refused_by_the_form_in_swedish(story: Any) -> None:
    response = _upload(client_for(story.school_admin_at_scheeleskolan), story.scheeleskolan, b"")

    assert response.status_code == 200
    assert "Filen kunde inte tas emot." in response.content.decode()
    assert response.context["form"].errors["file"] == ["Den skickade filen är tom."]


@settings(max_examples=200, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=2048),
        st.binary(max_size=512).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=512).map(lambda b: "personnummer;förnamn\r\n".encode() + b),
    ),
    name=st.sampled_from(["elever.csv", "elever.xlsx", "elever.txt", "elever.xls", "x"]),
)
def test_random_bytes_never_make_the_parser_raise(data: bytes, name: str) -> None:
    parsed = parse_file(data, name)

    assert parsed.errors or parsed.rows or parsed.kind


_cell = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=string.digits + "-+ ", max_size=14),
    st.sampled_from(["", "GR", "7A", "7", "2026-08-17", "20080101-2383", "Åsa", "\x00", "\u202e"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(_cell, min_size=len(HEADER), max_size=len(HEADER)), max_size=4))
def test_random_cells_are_checked_without_raising_and_only_storable_text_passes(
    story: Any, rows: list[list[str]]
) -> None:
    parsed = parse_file(
        csv_bytes([dict(zip(HEADER, row, strict=True)) for row in rows]), "elever.csv"
    )
    actor = actor_for_person(story.school_admin_at_scheeleskolan.pk)

    plan = plan_import(actor=actor, school_unit=story.scheeleskolan, parsed=parsed)

    if plan.ok:
        for line in plan.lines:
            for draft in (line.person, *(g.person for g in line.guardians)):
                for value in (draft.given_name, draft.middle_name, draft.family_name):
                    assert text_problem(value, max_length=100) is None
