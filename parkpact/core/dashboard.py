"""The staff workspace's figures: what waits for the signed-in user, each counted by the app it
belongs to. Every app may have a ``dashboard`` module registering a tile source (discovered at
start-up like ``tasks``), so the core app imports none of them. A source sees only what the
user may see (the apps' ``visible_to``) and costs one aggregate query, whatever the data."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .models import User


@dataclass(frozen=True)
class Tile:
    """One figure on the workspace: a count, what it counts and where to act on it."""

    label: str
    count: int
    url: str
    urgent: bool = False  # shown as a warning while the count is above 0


TileSource = Callable[[User, datetime], list[Tile]]
_sources: list[tuple[int, TileSource]] = []


def register_tiles(order: int) -> Callable[[TileSource], TileSource]:
    """Register an app's tile source; ``order`` places its tiles (smaller first)."""

    def register(source: TileSource) -> TileSource:
        _sources.append((order, source))
        return source

    return register


def tiles_for(user: User, now: datetime) -> list[Tile]:
    return [
        tile
        for _order, source in sorted(_sources, key=lambda pair: pair[0])
        for tile in source(user, now)
    ]
