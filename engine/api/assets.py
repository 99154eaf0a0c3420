"""The dashboard's stylesheets, served from the package under content-hashed names.

A hashed name (`govuk-frontend.3f2a9c1d.min.css`) lets a browser keep the file for a
year and still fetch the new one the moment it changes. Only the files named here are
served: a request can never reach any other path of the package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from engine.api import heat

PREFIX = "/dashboard/static"
FILES = {"govuk": ("govuk-frontend.min.css", "text/css"),
         "dashboard": ("dashboard.css", "text/css"),
         "licence": ("GOVUK-FRONTEND-LICENSE.txt", "text/plain")}


@dataclass(frozen=True)
class Asset:
    name: str  # the hashed file name in the URL
    body: bytes
    media_type: str


@cache
def assets() -> dict[str, Asset]:
    """Every served file by its key, read once."""
    out = {}
    for key, (name, media) in FILES.items():
        body = files("engine.api").joinpath("static", name).read_bytes()
        if key == "dashboard":  # the heat map's colours, from the charts' one scale
            body += heat.stylesheet().encode()
        stem, dot, ext = name.partition(".")
        digest = hashlib.sha256(body).hexdigest()[:10]
        out[key] = Asset(f"{stem}.{digest}{dot}{ext}", body, media)
    return out


def url(key: str) -> str:
    """The URL of a served file, for templates."""
    return f"{PREFIX}/{assets()[key].name}"


router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/{name}")
def static(name: str) -> Response:
    for asset in assets().values():
        if asset.name == name:
            return Response(asset.body, media_type=asset.media_type,
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})
    raise HTTPException(status_code=404, detail="not found")
