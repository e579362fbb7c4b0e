#!/usr/bin/env python3
"""Trims Microsoft's permissions.json to what graph-api's spec needs, for a test fixture.

Usage: scripts/trim-permissions.py <permissions.json> <spec-dir> > tests/fixtures/msgraph/permissions.json

Keeps every permission with a path the spec's actions use (paths compared as permissions.json
writes them: lower case, every parameter `{id}`), with only those paths in its path sets, and
its schemes' `requiresAdminConsent` and `privilegeLevel`. Tables rendered from the result for
the spec's actions are the same as from the whole file.
"""
import json
import re
import sys
import tomllib
from pathlib import Path


def norm(path):
    segs = []
    for s in path.strip().lower().split("/"):
        if s.startswith("{") and s.endswith("}"):
            s = "{id}"
        elif s.startswith("microsoft.graph."):
            s = s[len("microsoft.graph."):]
        segs.append(s)
    return "/".join(segs)


def main():
    source, spec_dir = sys.argv[1], Path(sys.argv[2])
    wanted = set()
    for f in sorted(spec_dir.rglob("*.toml")):
        for action in tomllib.loads(f.read_text()).get("actions", {}).values():
            wanted.add(norm(action["path"]))
    data = json.loads(Path(source).read_text())
    out = {}
    for name, p in sorted(data["permissions"].items()):
        sets = []
        for ps in p.get("pathSets", []):
            paths = {k: v for k, v in ps.get("paths", {}).items() if norm(k) in wanted}
            if paths:
                sets.append({**ps, "paths": dict(sorted(paths.items()))})
        if sets:
            schemes = {
                k: {f: v[f] for f in ("requiresAdminConsent", "privilegeLevel") if f in v}
                for k, v in p.get("schemes", {}).items()
            }
            out[name] = {"authorizationType": p.get("authorizationType"), "schemes": schemes, "pathSets": sets}
    json.dump({"permissions": out}, sys.stdout, indent=1, sort_keys=False)
    print()


main()
