"""Lars, 7B's mentor, writes to Alva's family; Karin answers. Guardians never see each other.

Alva has a second vårdnadshavare here, Olle, added for these tests. Elsa (protected) can
be written about only by Stina, who is named for her.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.audit.models import AuditEntry
from skolsam.messaging.models import Message, Recipient, Thread
from skolsam.testing import factories as f
from skolsam.testing.story import build_story, login, login_with_two_factor

pytestmark = pytest.mark.django_db


def _client(person: Any) -> Client:
    from skolsam.accounts.models import User

    client = Client()
    user = User.objects.filter(person=person).first()
    if user is None:
        login(client, person)
    else:
        client.force_login(user)
    return client


@pytest.fixture
def story() -> Any:
    s = build_story()
    s.people["second_guardian_of_pupil_in_7b"] = f.PersonFactory(given_name="Olle")
    f.ResponsibleFactory(person=s.pupil_in_7b, responsible=s.second_guardian_of_pupil_in_7b)
    return s


def _start(client: Client, child: Any, **extra: Any) -> Any:
    data = {"subject": "Utvecklingssamtal", "body": "Passar tisdag 14:00?", **extra}
    return client.post(reverse("messaging:thread_new", args=[child.pk]), data)


def test_a_mentor_and_a_family_talk_and_the_guardians_never_see_each_others_replies(story):
    lars = _client(story.mentor_of_7b)
    pupils = lars.get(reverse("messaging:pupils")).content.decode()
    assert "Alva" in pupils and "Elsa" not in pupils
    started = _start(lars, story.pupil_in_7b, replies_allowed="on")
    assert started.status_code == 302
    thread = Thread.objects.get()
    reached = set(Recipient.objects.values_list("person_id", flat=True))
    assert reached == {story.guardian_of_pupil_in_7b.pk, story.second_guardian_of_pupil_in_7b.pk}

    karin = _client(story.guardian_of_pupil_in_7b)
    url = reverse("messaging:thread", args=[thread.pk])
    assert "Passar tisdag 14:00?" in karin.get(url).content.decode()
    assert karin.post(url, {"body": "Tisdag passar bra."}).status_code == 302
    reply = Message.objects.get(sender=story.guardian_of_pupil_in_7b)
    assert list(reply.recipients.values_list("person_id", flat=True)) == [story.mentor_of_7b.pk]

    olle = _client(story.second_guardian_of_pupil_in_7b)
    theirs = olle.get(url).content.decode()
    assert "Passar tisdag 14:00?" in theirs and "Tisdag passar bra." not in theirs
    assert "Karin" not in theirs
    page = lars.get(url).content.decode()
    assert "Tisdag passar bra." in page


def test_replies_can_be_turned_off(story):
    lars = _client(story.mentor_of_7b)
    _start(lars, story.pupil_in_7b)  # replies_allowed unticked
    thread = Thread.objects.get()
    karin = _client(story.guardian_of_pupil_in_7b)
    url = reverse("messaging:thread", args=[thread.pk])
    assert "Det går inte att svara i den här konversationen." in karin.get(url).content.decode()
    refused = karin.post(url, {"body": "Hallå?"})
    assert refused.status_code == 400
    assert "Det går inte att svara i den här konversationen." in refused.content.decode()
    assert Message.objects.count() == 1


def test_nobody_outside_the_thread_reads_it(story):
    lars = _client(story.mentor_of_7b)
    _start(lars, story.pupil_in_7b, replies_allowed="on")
    url = reverse("messaging:thread", args=[Thread.objects.get().pk])
    assert _client(story.guardian_of_protected_pupil).get(url).status_code == 404
    assert _client(story.teacher_of_7a).get(url).status_code == 404
    assert _client(story.guardian_whose_custody_ended).get(url).status_code == 404
    # The rektor may read it, and that is logged under the child.
    anders = login_with_two_factor(story.rektor_at_scheeleskolan)
    assert anders.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="message.view").exists()


def test_only_staff_named_for_a_protected_pupil_write_about_her(story):
    lars = _client(story.mentor_of_7b)
    assert _start(lars, story.protected_pupil_in_7b).status_code == 404
    assert not Thread.objects.exists()
    stina = login_with_two_factor(story.authorised_teacher_of_7b)
    assert _start(stina, story.protected_pupil_in_7b, replies_allowed="on").status_code == 302
    thread = Thread.objects.get()
    assert list(Recipient.objects.values_list("person_id", flat=True)) == [
        story.guardian_of_protected_pupil.pk
    ]
    url = reverse("messaging:thread", args=[thread.pk])
    # The rektor administers the school but is not named for Elsa: her thread is not his.
    anders = login_with_two_factor(story.rektor_at_scheeleskolan)
    assert anders.get(url).status_code == 404
    found = anders.get(reverse("messaging:search"), {"q": "Utvecklingssamtal"}).content.decode()
    assert "Inga meddelanden hittades." in found
    assert AuditEntry.objects.filter(action="message.search").exists()
    # Lena reads and answers.
    lena = _client(story.guardian_of_protected_pupil)
    assert lena.post(url, {"body": "Tack, det går bra."}).status_code == 302


def test_a_guardian_answers_a_letter_that_allows_replies_in_a_thread_with_its_sender(story):
    lars = _client(story.mentor_of_7b)
    lars.post(
        reverse("messaging:compose"),
        {
            "audience": f"g:{story.groups['7B'].pk}",
            "category": "nyhet",
            "subject": "Friluftsdag",
            "body": "Vem kan följa med som extra vuxen?",
            "to_guardians": "on",
            "replies_allowed": "on",
            "send": "1",
        },
    )
    mine = Recipient.objects.get(person=story.guardian_of_pupil_in_7b)
    karin = _client(story.guardian_of_pupil_in_7b)
    assert "Svara" in karin.get(reverse("messaging:read", args=[mine.pk])).content.decode()
    answered = karin.post(reverse("messaging:reply", args=[mine.pk]), {"body": "Jag kan!"})
    assert answered.status_code == 302
    thread = Thread.objects.get()
    assert thread.child == story.pupil_in_7b
    answer = Message.objects.get(thread=thread)
    assert list(answer.recipients.values_list("person_id", flat=True)) == [story.mentor_of_7b.pk]
    # Olle, who got the same letter, sees nothing of Karin's answer.
    olle = _client(story.second_guardian_of_pupil_in_7b)
    assert "Jag kan!" not in olle.get(reverse("messaging:inbox")).content.decode()
    assert olle.get(reverse("messaging:thread", args=[thread.pk])).status_code == 404
    assert "Jag kan!" in lars.get(reverse("messaging:thread", args=[thread.pk])).content.decode()
