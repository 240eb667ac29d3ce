"""Run every benchmark: `python -m bench` (or `python -m bench spine digest ...`).

Options after a suite's name go to that suite: `python -m bench pages --size 10M`.
"""

from __future__ import annotations

import importlib
import inspect
import sys

SUITES = (
    "spine",
    "reanchor",
    "digest",
    "scheduler",
    "pages",
    "exchange",
    "notify",
    "suggestions",
    "cluster",
)


def split(argv: list[str]) -> list[tuple[str, list[str]]]:
    """Suite names, each with the options that follow it."""
    chosen: list[tuple[str, list[str]]] = []
    for token in argv:
        if chosen and (token.startswith("-") or token not in SUITES):
            chosen[-1][1].append(token)
        else:
            chosen.append((token, []))
    return chosen or [(name, []) for name in SUITES]


def main(argv: list[str]) -> int:
    for name, options in split(argv):
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            print(f"[{name}] not present, skipped")
            continue
        print(f"[{name}]", flush=True)

        def report(line: str) -> None:
            print(f"  {line}", flush=True)

        if "argv" in inspect.signature(module.run).parameters:
            module.run(report, argv=options)
        else:
            module.run(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
