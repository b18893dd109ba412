"""Build the school the browser tests click through, with factories (a few hundred ms).

Köping runs Malmaskolan (förskoleklass, grundskola, fritidshem; classes 5A and 5B) and
Karlbergsskolan (grundskola; class 6A) through its förvaltning. Maria Andersson is
Malmaskolan's school administrator: she logs in with a password and her authenticator
app. Tove Lärare teaches 5A mathematics today and mentors 5A. Alva Lindqvist in 5A has two
guardians, Erik and Lena; the rest of 5A and 5B are ordinary pupils with one guardian
each. Hugo Ek goes to Karlbergsskolan, which Tove has nothing to do with. Greta Granskare
audits the log. Dates hang on today, so the story holds whenever the tests run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from django.contrib.auth.models import Permission
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from skolsam.accounts.services import totp_device_create
from skolsam.core.choices import AssignmentRoleType, DutyRole
from skolsam.core.dates import today
from skolsam.demo.testnumbers import test_personnummer
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent
from skolsam.testing import factories as f

PASSWORD = "korrekt häst batteri häftklammer"  # noqa: S105 - a test user's
KOPING = "1983"

# Persons typed into forms and import files take numbers no factory hands out (the
# factories use children born 2010-2020 and adults born 1976-1995).
NEW_CHILDREN = test_personnummer(born_from=2021, born_to=2021)
NEW_ADULTS = test_personnummer(born_from=1996, born_to=2000)
IMPORT_CHILDREN = test_personnummer(born_from=2008, born_to=2009)
IMPORT_ADULTS = test_personnummer(born_from=1960, born_to=1974)

_FIRST_NAMES = ["Bo", "Elsa", "Noah", "Maja", "Liam", "Saga", "Ebba", "Ture", "Iris", "Otto"]
_FAMILY_NAMES = ["Berg", "Holm", "Nyström", "Sjöberg", "Ek", "Lund", "Strand", "Wik"]


def dashed(number: str) -> str:
    """Write a stored civic number the way an administrator types it."""
    return f"{number[:8]}-{number[8:]}"


@dataclass
class School:
    koping: Any
    malmaskolan: Any
    karlbergsskolan: Any
    class_5a: Any
    class_5b: Any
    class_6a: Any
    alva: Any
    erik: Any
    lena: Any
    hugo: Any
    administrator: Any  # a User with a password and a confirmed authenticator app
    administrator_device: TOTPDevice
    teacher: Any  # a User
    auditor: Any  # a User
    lesson: Any

    def current_code(self) -> str:
        """Return the code Maria's authenticator app shows now."""
        device = self.administrator_device
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        return f"{code:0{device.digits}d}"


def _user(person: Any, username: str, *, password: str | None = None) -> Any:
    return f.UserFactory(
        person=person,
        username=username,
        first_name=person.given_name,
        last_name=person.family_name,
        password=password,
    )


def _pupil(unit: Any, group: Any, start: date, **person: Any) -> Any:
    pupil = f.PupilFactory(**person)
    number = str(pupil.civic_no)
    pupil.birth_date = date(int(number[:4]), int(number[4:6]), int(number[6:8]))
    pupil.save(update_fields=["birth_date"])
    f.EnrolmentFactory(person=pupil, enroled_at=unit, school_year=5, start_date=start)
    f.MembershipFactory(person=pupil, group=group, start_date=start)
    return pupil


def build_school(*, pupils_per_class: int = 6) -> School:
    """Build the register of the story; see the module's docstring."""
    day = today()
    term_start = day - timedelta(days=60)
    koping = f.HuvudmanFactory(
        display_name="Köpings kommun", municipality_code=KOPING, home_municipality_code=KOPING
    )
    forvaltning = f.ForvaltningFactory(
        display_name="Barn- och utbildningsförvaltningen", parent=koping
    )
    malmaskolan = f.SchoolUnitFactory(
        display_name="Malmaskolan", parent=forvaltning, school_types=["GR", "FKLASS", "FTH"]
    )
    karlbergsskolan = f.SchoolUnitFactory(
        display_name="Karlbergsskolan", parent=forvaltning, school_types=["GR"]
    )
    class_5a = f.GroupFactory(display_name="5A", organisation=malmaskolan, start_date=term_start)
    class_5b = f.GroupFactory(display_name="5B", organisation=malmaskolan, start_date=term_start)
    class_6a = f.GroupFactory(
        display_name="6A", organisation=karlbergsskolan, start_date=term_start
    )
    f.GroupFactory(
        display_name="FA", organisation=malmaskolan, school_type="FKLASS", start_date=term_start
    )

    alva = _pupil(malmaskolan, class_5a, term_start, given_name="Alva", family_name="Lindqvist")
    erik = f.PersonFactory(
        given_name="Erik",
        family_name="Lindqvist",
        phone_numbers=[{"type": "Hem", "value": "070-111 22 33", "mobile": True}],
        emails=[{"type": "Privat", "value": "erik.lindqvist@example.se"}],
    )
    lena = f.PersonFactory(
        given_name="Lena",
        family_name="Lindqvist",
        phone_numbers=[{"type": "Hem", "value": "070-444 55 66", "mobile": True}],
    )
    f.ResponsibleFactory(person=alva, responsible=erik)
    f.ResponsibleFactory(person=alva, responsible=lena)
    for i in range(2 * pupils_per_class - 1):
        group = class_5a if i < pupils_per_class - 1 else class_5b
        family = _FAMILY_NAMES[i % len(_FAMILY_NAMES)]
        pupil = _pupil(
            malmaskolan,
            group,
            term_start,
            given_name=_FIRST_NAMES[i % len(_FIRST_NAMES)],
            family_name=family,
        )
        parent = f.PersonFactory(
            given_name="Förälder",
            family_name=family,
            phone_numbers=[{"type": "Hem", "value": f"070-100 00 {i:02d}", "mobile": True}],
        )
        f.ResponsibleFactory(person=pupil, responsible=parent)
    hugo = _pupil(karlbergsskolan, class_6a, term_start, given_name="Hugo", family_name="Ek")

    maria = f.PersonFactory(given_name="Maria", family_name="Andersson")
    f.DutyFactory(
        person=maria,
        duty_at=malmaskolan,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        start_date=term_start,
    )
    administrator = _user(maria, "maria.andersson", password=PASSWORD)
    device = totp_device_create(user=administrator, audit=False)

    tove = f.PersonFactory(given_name="Tove", family_name="Lärare")
    duty = f.DutyFactory(
        person=tove,
        duty_at=malmaskolan,
        duty_role=DutyRole.LARARE,
        signature="TOLA",
        start_date=term_start,
    )
    f.AssignmentRoleFactory(
        duty=duty,
        group=class_5a,
        assignment_role_type=AssignmentRoleType.MENTOR,
        start_date=term_start,
    )
    activity = f.ActivityFactory(
        display_name="5A Matematik",
        organisation=malmaskolan,
        groups=[class_5a],
        start_date=term_start,
    )
    f.ActivityTeacherFactory(activity=activity, duty=duty)
    # 08:30, or earlier when the suite runs before then: a register opens only when the
    # lesson has started (less a margin), and the teacher here saves it.
    begin = min(calendar.at(day, time(8, 30)), max(calendar.at(day, time(0, 0)), timezone.now()))
    lesson = CalendarEvent.objects.create(
        activity=activity,
        organisation_id=malmaskolan.pk,
        planned_date=day,
        date=day,
        start_time=begin,
        end_time=begin + timedelta(minutes=60),
        duration_minutes=60,
    )
    teacher = _user(tove, "tove.larare")

    greta = f.PersonFactory(given_name="Greta", family_name="Granskare")
    auditor = _user(greta, "greta.granskare")
    auditor.user_permissions.add(Permission.objects.get(codename="search_auditentry"))

    return School(
        koping=koping,
        malmaskolan=malmaskolan,
        karlbergsskolan=karlbergsskolan,
        class_5a=class_5a,
        class_5b=class_5b,
        class_6a=class_6a,
        alva=alva,
        erik=erik,
        lena=lena,
        hugo=hugo,
        administrator=administrator,
        administrator_device=device,
        teacher=teacher,
        auditor=auditor,
        lesson=lesson,
    )
