"""Give the demo some messages: a weekly letter to 8A's guardians and a conversation.

Called by the demo loader after the register is in: `demo_messages_load(named=...)`.
Everything goes through the services, as the mentor and the guardian themselves, so the
audit log, read status and deliveries behave as in real use (the e-mails wait for a
`db_worker`; with the console backend they are printed).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from skolsam.accounts.actor import actor_for_person
from skolsam.core.policy import Action
from skolsam.groups.models import GroupMembership
from skolsam.messaging.access import group_audience_policy
from skolsam.messaging.services.compose import audience_build, message_send
from skolsam.messaging.services.threads import thread_post, thread_start
from skolsam.people.models import Person

CENTRAL = "koping/centralskolan"

LETTER = """Hej alla vårdnadshavare i 8A!

Veckan som gått har vi arbetat med statistik i matematiken och börjat läsa "Bröderna Lejonhjärta" i svenskan.

Nästa vecka:
- Måndag: idrott utomhus, ta med kläder efter väder.
- Onsdag: studiebesök på Köpings museum, vi går från skolan 09.00.
- Fredag: prov i engelska (glosor kapitel 4).

Hör gärna av er om ni har frågor.

Hälsningar
Mentorerna i 8A"""


@dataclass
class DemoMessagesResult:
    letters: int
    threads: int

    def __str__(self) -> str:
        return f"{self.letters} veckobrev, {self.threads} konversationer"


def demo_messages_load(*, named: dict[str, UUID]) -> DemoMessagesResult:
    """Send the weekly letter and start the conversation, if the named people are there."""
    result = DemoMessagesResult(0, 0)
    mentor_id = named.get(f"mentor:{CENTRAL}/8A/1")
    alice_id = named.get("special:elev")
    alice = Person.objects.filter(pk=alice_id).first() if alice_id else None
    guardian_id = named.get("special:vh")
    if mentor_id is None or alice is None:
        return result
    mentor = actor_for_person(mentor_id)
    groups = group_audience_policy.objects(mentor, Action.CREATE).filter(
        pk__in=GroupMembership.objects.filter(person=alice).values("group_id")
    )
    group = groups.filter(group_type="Klass").first() or groups.first()
    if group is not None:
        audience = audience_build(
            actor=mentor, group=group, organisation=None, to_guardians=True, to_pupils=False
        )
        message_send(
            actor=mentor,
            audience=audience,
            category="veckobrev",
            subject="Veckobrev vecka 49",
            body=LETTER,
            replies_allowed=True,
        )
        result.letters += 1
    thread = thread_start(
        actor=mentor,
        child=alice,
        subject="Utvecklingssamtal",
        body=(
            "Hej! Det är dags för utvecklingssamtal. Passar tisdag 15 december kl. 15.30? "
            "Alice är med på samtalet."
        ),
        replies_allowed=True,
    )
    result.threads += 1
    if guardian_id is not None:
        thread_post(
            actor=actor_for_person(guardian_id),
            thread=thread,
            body="Hej! Tisdag kl. 15.30 passar bra. Vi kommer båda två.",
        )
    return result
