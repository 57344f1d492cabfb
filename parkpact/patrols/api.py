"""The patrols endpoints of the JSON API (mounted in parkpact/api.py)."""

from ninja import Router

router = Router(tags=["patrols"])
