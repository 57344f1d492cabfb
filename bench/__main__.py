"""`python -m bench [NAME [OPTIONS]]`: the whole suite, or one benchmark by name.

python -m bench                      # the suite: every benchmark, one results file and table
python -m bench --scale 3            # the suite on a city with three times the evidence
python -m bench --only portal        # the suite's files and table for one benchmark
python -m bench --list               # the benchmarks' names
python -m bench offline_replay [--help | OPTIONS]   # one benchmark alone, its own options
"""

import importlib
import sys
from collections.abc import Callable
from typing import cast

from bench import BENCHMARKS


def _main_of(name: str) -> Callable[[list[str]], int]:
    module = importlib.import_module(BENCHMARKS[name])
    return cast(Callable[[list[str]], int], module.main)


def main(argv: list[str]) -> int:
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__.strip() if __doc__ else "")
        print("\nBenchmarks: " + ", ".join(sorted(BENCHMARKS)))
        print("The suite's options: python -m bench.suite --help")
        return 0
    if argv and argv[0] == "--list":
        print("\n".join(sorted(BENCHMARKS)))
        return 0
    if not argv or argv[0].startswith("-"):
        from bench import suite

        return suite.main(argv)
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        print(
            f"No benchmark {name!r}. Known: {', '.join(sorted(BENCHMARKS))}.",
            file=sys.stderr,
        )
        return 2
    return _main_of(name)(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
