"""Serve the message pages: the inbox (every role), compose and sent (staff), threads, search.

Thin views: authenticate, fetch through the access layer, validate with a form, call one
service or selector, render. Guardians' and pupils' pages will move under the portal's
layout once it exists; their strings are marked for translation already.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.groups.access import memberships_visible_to
from skolsam.messaging import selectors
from skolsam.messaging.access import (
    child_thread_policy,
    group_audience_policy,
    may_send_anything,
    organisation_audience_policy,
)
from skolsam.messaging.forms import (
    ComposeForm,
    PostForm,
    PreferenceForm,
    SearchForm,
    StaffPostForm,
    ThreadForm,
    uuid_list,
)
from skolsam.messaging.services.attachments import attachments_upload
from skolsam.messaging.services.compose import audience_build, message_preview, message_send
from skolsam.messaging.services.preferences import (
    message_preferences_set,
    message_reminders_set,
    preferences_of,
    reminders_of,
)
from skolsam.messaging.services.push import push_subscription_save, vapid_public_key
from skolsam.messaging.services.read import (
    message_search_record,
    message_view_record,
    recipient_mark_read,
    thread_mark_read,
)
from skolsam.messaging.services.threads import (
    message_reply,
    replies_open,
    thread_post,
    thread_start,
)
from skolsam.people.access import child_policy


def _staff_gate(request: HttpRequest) -> Any:
    actor = request_actor(request)
    if not may_send_anything(actor):
        raise Http404(_("Sidan finns inte."))
    return actor


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    return render(
        request,
        "messaging/inbox.html",
        {
            "received": selectors.inbox(actor),
            "threads": selectors.threads_for_actor(actor),
            "may_send": may_send_anything(actor),
            "vapid_key": vapid_public_key(),
        },
    )


@login_required
def child_inbox(request: HttpRequest, child_id: str) -> HttpResponse:
    """One child's messages: the portal's tab on the child's page."""
    actor = request_actor(request)
    child = child_policy.get(actor, Action.SEE_CHILD, child_id, _("Barnet finns inte."))
    return render(
        request,
        "messaging/inbox.html",
        {"received": selectors.inbox(actor, child_id=child.pk), "child": child, "threads": []},
    )


@login_required
def read(request: HttpRequest, recipient_id: str) -> HttpResponse:
    actor = request_actor(request)
    recipient = selectors.recipient_for_actor(actor, recipient_id)
    recipient_mark_read(actor=actor, recipient=recipient)
    message = recipient.message
    if message.thread_id is not None:
        return redirect("messaging:thread", thread_id=message.thread_id)
    form = PostForm(request.POST or None) if message.replies_allowed else None
    return render(
        request,
        "messaging/read.html",
        {"recipient": recipient, "message": message, "form": form},
    )


@login_required
@require_POST
def reply(request: HttpRequest, recipient_id: str) -> HttpResponse:
    actor = request_actor(request)
    recipient = selectors.recipient_for_actor(actor, recipient_id)
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            thread = message_reply(actor=actor, recipient=recipient, body=form.cleaned_data["body"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Ditt svar är skickat."))
            return redirect("messaging:thread", thread_id=thread.pk)
    return render(
        request,
        "messaging/read.html",
        {"recipient": recipient, "message": recipient.message, "form": form},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    actor = _staff_gate(request)
    groups = list(
        group_audience_policy.objects(actor, Action.CREATE)
        .select_related("organisation")
        .order_by("display_name")
    )
    organisations = list(
        organisation_audience_policy.objects(actor, Action.CREATE).order_by("display_name")
    )
    form = ComposeForm(
        request.POST or None,
        request.FILES or None,
        groups=groups,
        organisations=organisations,
    )
    preview = None
    pending: list[Any] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            group, organisation = form.audience_objects()
            data = form.cleaned_data
            try:
                pending = selectors.pending_attachments(
                    actor, uuid_list(request.POST.get("attachment_ids", ""))
                )
                if data["attachments"]:
                    pending += attachments_upload(actor=actor, files=data["attachments"])
                ids = [a.pk for a in pending]
                audience = audience_build(
                    actor=actor,
                    group=group,
                    organisation=organisation,
                    to_guardians=data["to_guardians"],
                    to_pupils=data["to_pupils"],
                )
                if request.POST.get("send") == "1":
                    message = message_send(
                        actor=actor,
                        audience=audience,
                        category=data["category"],
                        subject=data["subject"],
                        body=data["body"],
                        replies_allowed=data["replies_allowed"],
                        attachment_ids=ids,
                    )
                    messages.success(
                        request, _("Meddelandet är skickat till %(who)s.") % {"who": audience.label}
                    )
                    return redirect("messaging:sent_detail", message_id=message.pk)
                preview = message_preview(actor=actor, audience=audience)
            except DomainError as error:
                form.add_domain_error(error)
                status = 400
        else:
            status = 400
    return render(
        request,
        "messaging/compose.html",
        {
            "form": form,
            "preview": preview,
            "pending": pending,
            "pending_ids": ",".join(str(a.pk) for a in pending),
        },
        status=status,
    )


@login_required
def attachment(request: HttpRequest, attachment_id: str) -> FileResponse:
    """Send a file to someone who may read its message (or who is still writing it)."""
    actor = request_actor(request)
    item = selectors.attachment_for_actor(actor, attachment_id)
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def sent(request: HttpRequest) -> HttpResponse:
    actor = _staff_gate(request)
    return render(request, "messaging/sent.html", {"sent": selectors.sent_messages(actor)})


@login_required
def sent_detail(request: HttpRequest, message_id: str) -> HttpResponse:
    actor = request_actor(request)
    message = selectors.message_for_actor(actor, message_id)
    shown = selectors.recipients_for_staff(actor, message)
    children = {c.pk: c for s in shown for c in s.children}
    message_view_record(
        actor=actor, message=message, persons=[s.person for s in shown] + list(children.values())
    )
    return render(
        request,
        "messaging/sent_detail.html",
        {
            "message": message,
            "shown": shown,
            "read_count": sum(1 for s in shown if s.read_at),
        },
    )


def _pupils_to_write_about(actor: Any) -> list[Any]:
    groups = group_audience_policy.objects(actor, Action.CREATE).values("pk")
    rows = (
        memberships_visible_to(actor)
        .filter(group__in=groups)
        .select_related("person", "group")
        .order_by("group__display_name", "person__given_name", "person__family_name")
    )
    return [(r.person, r.group) for r in rows]


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request: HttpRequest, child_id: str) -> HttpResponse:
    actor = _staff_gate(request)
    child = child_thread_policy.get(actor, Action.CREATE, child_id, _("Eleven finns inte."))
    form = ThreadForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                thread = thread_start(actor=actor, child=child, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Meddelandet är skickat."))
                return redirect("messaging:thread", thread_id=thread.pk)
    return render(
        request, "messaging/thread_new.html", {"form": form, "child": child}, status=status
    )


@login_required
def pupils(request: HttpRequest) -> HttpResponse:
    actor = _staff_gate(request)
    return render(request, "messaging/pupils.html", {"rows": _pupils_to_write_about(actor)})


@login_required
@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, thread_id: str) -> HttpResponse:
    actor = request_actor(request)
    item = selectors.thread_for_actor(actor, thread_id)
    me = (
        item.participants.filter(person_id=actor.person_id).first()
        if actor.person_id is not None
        else None
    )
    form_class = StaffPostForm if me is not None and me.is_staff else PostForm
    form = form_class(request.POST or None) if me is not None else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404(_("Konversationen finns inte."))
        status = 400
        if form.is_valid():
            try:
                thread_post(actor=actor, thread=item, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Meddelandet är skickat."))
                return redirect("messaging:thread", thread_id=item.pk)
    posts = selectors.thread_messages(actor, item)
    if me is None:
        # An administrator reading a thread they are not in: logged under the child.
        if posts:
            message_view_record(actor=actor, message=posts[0], persons=[item.child])
    else:
        thread_mark_read(actor=actor, thread=item)
    if me is not None and not me.is_staff and not replies_open(item):
        form = None
    return render(
        request,
        "messaging/thread.html",
        {"thread": item, "posts": posts, "form": form, "is_staff": bool(me and me.is_staff)},
        status=status,
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    actor = _staff_gate(request)
    form = SearchForm(request.GET or None)
    hits = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        hits = selectors.message_search(actor, query)
        concerned = [m.thread.child for m in hits if m.thread is not None]
        message_search_record(actor=actor, query=query, hits=len(hits), persons=concerned)
    return render(request, "messaging/search.html", {"form": form, "hits": hits})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    if actor.person_id is None:
        raise Http404(_("Sidan finns inte."))
    initial: dict[str, Any] = {**preferences_of(actor=actor)}
    initial.update({r: True for r in reminders_of(actor=actor)})
    form = PreferenceForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                message_preferences_set(actor=actor, choices=form.frequencies())
                message_reminders_set(actor=actor, chosen=form.reminders())
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Dina val är sparade."))
                return redirect("messaging:preferences")
    return render(request, "messaging/preferences.html", {"form": form}, status=status)


def service_worker(request: HttpRequest) -> HttpResponse:
    """Serve the service worker (push notices), allowed to control the whole site."""
    response = render(
        request,
        "messaging/sw.js",
        {"icon": static("messaging/icon.svg"), "inbox": reverse("messaging:inbox")},
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request: HttpRequest) -> JsonResponse:
    """Serve the web app manifest, so guardians can install Skolsam on a phone (PWA)."""
    return JsonResponse(
        {
            "name": "Skolsam",
            "short_name": "Skolsam",
            "lang": "sv",
            "start_url": reverse("messaging:inbox"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1d4f91",
            "icons": [
                {"src": static("messaging/icon.svg"), "sizes": "any", "type": "image/svg+xml"}
            ],
        },
        content_type="application/manifest+json",
    )


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Store this browser's push subscription (JSON from PushSubscription.toJSON())."""
    actor = request_actor(request)
    try:
        data = json.loads(request.body or b"{}")
        keys = data.get("keys") or {}
        push_subscription_save(
            actor=actor,
            endpoint=str(data.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except (ValueError, AttributeError):
        return JsonResponse({"fel": _("Prenumerationen kunde inte läsas.")}, status=400)
    except DomainError as error:
        return JsonResponse({"fel": error.messages}, status=400)
    return JsonResponse({"ok": True}, status=201)
