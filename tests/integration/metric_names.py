#!/usr/bin/env python3
"""Prints, one per line, every ringmq_* series name a Grafana dashboard (JSON) or Prometheus
rule file (YAML) queries in its `expr` fields; fails if the file does not parse or queries
nothing. package_test.cc checks each against a live /metrics scrape."""
import json
import re
import sys

import yaml


def expressions(document):
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(document, list):
        for item in document:
            yield from expressions(item)


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        document = json.load(f) if path.endswith(".json") else yaml.safe_load(f)
    names = set()
    for expr in expressions(document):
        names.update(re.findall(r"\bringmq_[a-z0-9_]+", expr))
    if not names:
        sys.exit(f"{path}: no ringmq_ metric queried")
    print("\n".join(sorted(names)))


if __name__ == "__main__":
    main()
