"""The order in which a round's checkpoints are due, and whether a scan keeps to it.

Pure arithmetic, no Django: the services pass plain ids.

A random-order route draws a fresh order for every round, reproducibly, from the round's UUID:
the seed is the first 8 bytes (big-endian) of SHA-256("parkpact.patrols.round-order:" + the
UUID's 36-character text), fed to Python's ``random.Random`` (Mersenne Twister), whose
``shuffle`` then permutes the checkpoints taken in the route's order. Anyone holding the round's
UUID and the route can re-draw the same order to check it; a guard cannot guess the next round's.
"""

import hashlib
import random
from collections.abc import Collection, Sequence
from uuid import UUID

SEED_PREFIX = "parkpact.patrols.round-order:"


def round_seed(round_uuid: UUID) -> int:
    digest = hashlib.sha256(f"{SEED_PREFIX}{round_uuid}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def draw_order(checkpoint_ids: Sequence[int], round_uuid: UUID) -> list[int]:
    """The checkpoints (given in the route's order) shuffled for this round."""
    order = list(checkpoint_ids)
    random.Random(round_seed(round_uuid)).shuffle(order)
    return order


def is_out_of_order(
    expected: Sequence[int], scanned_before: Collection[int], checkpoint: int
) -> bool:
    """True when a checkpoint due earlier in ``expected`` has not been scanned yet.

    ``expected`` is empty for an any-order route: nothing is ever out of order."""
    if checkpoint not in expected:
        return False
    for earlier in expected[: list(expected).index(checkpoint)]:
        if earlier not in scanned_before:
            return True
    return False
