"""Serve the user guides of docs/guide/ and their screenshots to the roles they are for."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt
from markdown_it.token import Token

from skolsam.core.views import request_actor
from skolsam.help.texts import guide, guide_roles

_SCREENSHOT = re.compile(r"^[a-z0-9-]+\.png$")
_GUIDE_LINK = re.compile(r"^([a-z-]+)\.md(#[\w-]*)?$")
_SCREENSHOT_LINK = re.compile(r"^\.\./screenshots/([a-z0-9-]+\.png)$")


def _docs() -> Path:
    return Path(settings.BASE_DIR) / "docs"


def _relink(tokens: list[Token]) -> None:
    """Point the guide's relative links at the pages that serve them here."""
    for token in tokens:
        if token.children:
            _relink(token.children)
        if token.type == "image":
            src = str(token.attrGet("src") or "")
            if m := _SCREENSHOT_LINK.match(src):
                token.attrSet("src", reverse("help:screenshot", args=[m[1]]))
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if (m := _GUIDE_LINK.match(href)) and guide(m[1]):
                token.attrSet("href", reverse("help:guide", args=[m[1]]) + (m[2] or ""))
            elif m := _SCREENSHOT_LINK.match(href):
                token.attrSet("href", reverse("help:screenshot", args=[m[1]]))


def render_guide(text: str) -> str:
    """Render a guide's Markdown to HTML; HTML written in the Markdown is escaped."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    _relink(tokens)
    return str(md.renderer.render(tokens, md.options, {}))


@require_GET
@login_required
def guide_page(request: HttpRequest, role: str) -> HttpResponse:
    """Show the user guide for `role` to a reader who has that role; 404 to anyone else."""
    chosen = guide(role)
    if chosen is None or role not in guide_roles(request_actor(request)):
        raise Http404("Guiden finns inte.")
    path = _docs() / "guide" / f"{role}.md"
    if not path.is_file():
        raise Http404("Guiden finns inte.")
    html = render_guide(path.read_text(encoding="utf-8"))
    return render(request, "help/guide.html", {"guide": chosen, "html": mark_safe(html)})  # noqa: S308


@require_GET
@login_required
def screenshot(request: HttpRequest, name: str) -> HttpResponseBase:
    """Serve one of the guides' screenshots (docs/screenshots/, demo data only)."""
    if not _SCREENSHOT.match(name):
        raise Http404("Bilden finns inte.")
    path = _docs() / "screenshots" / name
    if not path.is_file():
        raise Http404("Bilden finns inte.")
    return FileResponse(path.open("rb"), content_type="image/png")
