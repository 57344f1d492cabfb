"""ParkPact's benchmarks: scripts run by hand (`make bench`, `python -m bench NAME`), not tests.

Each benchmark measures what it is about *and* a floor — a bare request to the same server at
the same concurrency — in the same run, and reports the ratio: machines are shared and noisy,
so absolute figures do not carry from one run to the next, ratios do. See docs/benchmarks.md.
"""

# Name → module (inside this package) with a ``main(argv: list[str]) -> int``.
BENCHMARKS: dict[str, str] = {
    "offline_replay": "bench.offline_replay",
    "open311": "bench.open311",
    "ingest": "bench.ingest",
    "assess": "bench.assess",
    "portal": "bench.portal",
}
