"""`python -m bench [NAME [OPTIONS]]`: run one benchmark by name, or every one with its defaults.

python -m bench                      # every benchmark, default options (what `make bench` does)
python -m bench --list               # their names
python -m bench offline_replay --help
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
        return 0
    if argv and argv[0] == "--list":
        print("\n".join(sorted(BENCHMARKS)))
        return 0
    if not argv:
        status = 0
        for name in sorted(BENCHMARKS):
            print(f"== {name}", file=sys.stderr)
            status = max(status, _main_of(name)([]))
        return status
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
