#!/usr/bin/env python3
"""Keep a mirror of what an SS 12000 client may read, as an integrator would.

Standard library only, so it runs anywhere Python 3.11 does:

    export SS12000_API=http://127.0.0.1:8000/ss12000/v2.0
    export SS12000_CLIENT_ID=ss12k_... SS12000_CLIENT_SECRET=...
    python3 docs/examples/ss12000_mirror.py crawl   mirror.json   # everything, once
    python3 docs/examples/ss12000_mirror.py sync    mirror.json   # what changed since
    python3 docs/examples/ss12000_mirror.py compare mirror.json   # mirror == a new crawl?

`sync` asks every endpoint for `meta.modified.after=<the start of the last run>` and
`/deletedEntities?after=<the same>`, and applies both to the mirror. `compare` crawls
again and prints every difference; it exits 1 if there is one.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.parse
import urllib.request
from datetime import UTC, datetime

# Endpoint, its key in DeletedEntities.data (the spec's spelling), and the parameters a
# crawl of it needs (calendarEvents requires a time window).
ENDPOINTS: dict[str, tuple[str, dict[str, str]]] = {
    "organisations": ("organisations", {}),
    "persons": ("persons", {}),
    "placements": ("placements", {}),
    "duties": ("duties", {}),
    "groups": ("groups", {}),
    "activities": ("activitites", {}),
    "attendances": ("attendances", {}),
    "absences": ("absences", {}),
}


def _token() -> str:
    api = os.environ["SS12000_API"]
    base = api.split("/ss12000/")[0]
    pair = f"{os.environ['SS12000_CLIENT_ID']}:{os.environ['SS12000_CLIENT_SECRET']}"
    request = urllib.request.Request(  # noqa: S310 - the API's own address
        f"{base}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()},
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310 - the API's own address
        return json.load(answer)["access_token"]


def _get(token: str, path: str, query: dict[str, str]) -> dict:
    url = f"{os.environ['SS12000_API']}/{path}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(  # noqa: S310 - the API's own address
        url, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310 - the API's own address
        return json.load(answer)


def _pages(token: str, path: str, query: dict[str, str]) -> list[dict]:
    page = _get(token, path, {**query, "limit": "200"})
    rows = list(page["data"])
    while page.get("pageToken"):
        page = _get(token, path, {"pageToken": page["pageToken"], "limit": "200"})
        rows += page["data"]
    return rows


def crawl(token: str) -> dict[str, dict[str, dict]]:
    return {
        name: {row["id"]: row for row in _pages(token, name, params)}
        for name, (_key, params) in ENDPOINTS.items()
    }


def main(command: str, path: str) -> int:
    if not os.environ.get("SS12000_API", "").startswith(("http://", "https://")):
        print(
            "Set SS12000_API to the API's http(s) address, e.g. http://127.0.0.1:8000/ss12000/v2.0"
        )
        return 2
    token = _token()
    started = datetime.now(UTC).isoformat()
    if command == "crawl":
        mirror = {"since": started, "data": crawl(token)}
    elif command == "sync":
        with open(path) as f:
            mirror = json.load(f)
        since = mirror["since"]
        gone: dict[str, set[str]] = {}
        page = _get(token, "deletedEntities", {"after": since, "limit": "500"})
        while True:
            for key, ids in page["data"].items():
                gone.setdefault(key, set()).update(ids)
            if not page.get("pageToken"):
                break
            page = _get(token, "deletedEntities", {"pageToken": page["pageToken"]})
        changed = removed = 0
        for name, (key, params) in ENDPOINTS.items():
            for pk in gone.get(key, ()):
                removed += mirror["data"][name].pop(pk, None) is not None
            for row in _pages(token, name, {**params, "meta.modified.after": since}):
                mirror["data"][name][row["id"]] = row
                changed += 1
        mirror["since"] = started
        print(f"{changed} changed or new, {removed} removed since {since}")
    elif command == "compare":
        with open(path) as f:
            mirror = json.load(f)
        fresh = crawl(token)
        differences = 0
        for name in ENDPOINTS:
            mine, theirs = mirror["data"][name], fresh[name]
            for pk in sorted(set(mine) | set(theirs)):
                if mine.get(pk) != theirs.get(pk):
                    differences += 1
                    what = (
                        "missing" if pk not in mine else "extra" if pk not in theirs else "differs"
                    )
                    print(f"{name} {pk}: {what}")
            print(f"{name}: {len(theirs)} in a new crawl, {len(mine)} in the mirror")
        print("the mirror equals a new crawl" if not differences else f"{differences} differences")
        return 1 if differences else 0
    else:
        print(__doc__)
        return 2
    with open(path, "w") as f:
        json.dump(mirror, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]) if len(sys.argv) == 3 else main("", ""))
