"""Run every benchmark: `python -m bench` (or `python -m bench spine digest ...`)."""

from __future__ import annotations

import importlib
import sys

SUITES = ("spine", "reanchor", "digest", "scheduler")


def main(names: list[str]) -> int:
    for name in names or SUITES:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            print(f"[{name}] not present, skipped")
            continue
        print(f"[{name}]", flush=True)
        module.run(lambda line: print(f"  {line}", flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
