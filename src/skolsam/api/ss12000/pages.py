"""Let administrators manage API clients and read what clients report, in the web UI."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from skolsam.api.ss12000 import scopes, selectors, services
from skolsam.api.ss12000.access import api_client_policy
from skolsam.api.ss12000.models import ConsumerProfile
from skolsam.core.errors import DomainError
from skolsam.core.policy import Action
from skolsam.core.views import request_actor
from skolsam.organisations.selectors import organisation_get_by_code


class ScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("Behörigheter (scopes)"),
        choices=[(s, s) for s in scopes.ALL_SCOPES],
        required=False,
    )


def _scope_rows(form: forms.Form, current: list[str]) -> list[dict]:
    """The scope grid as the person last saw it: what they sent, else what is stored."""
    return scopes.table(form["scopes"].value() or [] if form.is_bound else current)


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Namn"), max_length=120)
    organisations = forms.CharField(
        label=_("Organisationer"),
        help_text=_("Id, organisationskod eller skolenhetskod; flera skiljs med mellanslag."),
    )
    allow_protected_data = forms.BooleanField(
        label=_("Får se skyddade personuppgifter"), required=False
    )
    consumer_profile = forms.ChoiceField(
        label=_("Profil"), choices=ConsumerProfile.choices, required=False
    )
    scopes = forms.MultipleChoiceField(
        label=_("Behörigheter (scopes)"),
        choices=[(s, s) for s in scopes.ALL_SCOPES],
        required=False,
    )

    def clean_organisations(self) -> list:
        found = []
        for code in self.cleaned_data["organisations"].split():
            org = organisation_get_by_code(code)
            if org is None:
                raise forms.ValidationError(
                    _("Ingen organisation har koden %(code)s.") % {"code": code}
                )
            found.append(org)
        return found


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    # Forbidden answers like missing: the page's existence is not advertised.
    if not api_client_policy.any(actor, action):
        raise Http404
    form = ClientForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = services.api_client_create(
                actor=actor,
                name=form.cleaned_data["name"],
                organisations=form.cleaned_data["organisations"],
                scopes=form.cleaned_data["scopes"],
                allow_protected_data=form.cleaned_data["allow_protected_data"],
                consumer_profile=form.cleaned_data["consumer_profile"] or "",
            )
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            created = {"client_id": client.client_id, "client_secret": secret}
            form = ClientForm()
    return render(
        request,
        "ss12000/clients.html",
        {
            "clients": selectors.api_client_list(),
            "form": form,
            "scope_rows": _scope_rows(form, []),
            "created": created,
        },
    )


@login_required
def client_detail(request: HttpRequest, client_id: str) -> HttpResponse:
    actor = request_actor(request)
    action = Action.CHANGE if request.method == "POST" else Action.VIEW
    client = selectors.api_client_get(client_id)
    # Forbidden answers like missing.
    if client is None or not api_client_policy.can(actor, action, client):
        raise Http404
    new_secret = None
    error = None
    saved = False
    scopes_form = ScopesForm(request.POST if request.POST.get("action") == "scopes" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "scopes":
                if scopes_form.is_valid():
                    services.api_client_set_scopes(
                        actor=actor, client=client, scopes=scopes_form.cleaned_data["scopes"]
                    )
                    saved = True
                    scopes_form = ScopesForm()
            elif request.POST.get("action") == "rotate":
                new_secret = services.api_client_rotate(actor=actor, client=client)
            elif request.POST.get("action") == "revoke":
                services.api_client_revoke(actor=actor, client=client)
                return redirect("ss12000:client", client_id=client.client_id)
        except DomainError as exc:
            if request.POST.get("action") == "scopes" and hasattr(exc, "error_dict"):
                scopes_form.add_error(None, exc)
            else:
                error = " ".join(exc.messages)
    return render(
        request,
        "ss12000/client.html",
        {
            "client": client,
            "new_secret": new_secret,
            "error": error,
            "scopes_form": scopes_form,
            "scopes_saved": saved,
            "scope_rows": _scope_rows(scopes_form, client.scopes),
            "log_entries": client.log_entries.all()[:100],
            "statistics": client.statistics.all()[:100],
            "subscriptions": client.subscriptions.all(),
        },
    )
