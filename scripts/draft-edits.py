#!/usr/bin/env python3
"""Counts the hand edits a `graph-spec draft` output needs before it is a spec an author keeps.

Usage: scripts/draft-edits.py DRAFT.toml [--keep-body ACTION=field,field]... [--base-levels FILE]...

Reported, for the draft as the tool printed it:
- TODO(draft) marks: each is a line the author fills in from the docs page, or deletes;
- body lines deleted: the request-body fields of the named actions other than the kept ones
  (the fields the docs page's request body uses), as whole `[actions.X.body.F]` tables;
- type lines deleted: the `[types.*]` and `[enums.*]` tables no action reaches any more once
  those fields are gone (through response types, body fields, field types and bases);
- levels written by hand: delegated and application permissions the tables name that neither
  the draft's `[privilege_levels]` nor a --base-levels file (graph-api's spec/permissions.toml)
  ranks, each one line an author adds.
"""
import re
import sys
import tomllib


def sections(lines):
    """(header, start, end) of every TOML table, end exclusive; comments before a header stay
    with the table above it."""
    heads = [i for i, l in enumerate(lines) if re.match(r"^\[", l)]
    out = []
    for k, i in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(lines)
        out.append((lines[i].strip(), i, end))
    return out


def type_names(ty):
    return [ty.strip("[]")] if ty else []


def main(argv):
    path = argv[0]
    keep = {}
    base_files = []
    rest = argv[1:]
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--keep-body":
            action, fields = value.split("=", 1)
            keep[action] = fields.split(",") if fields else []
        elif flag == "--base-levels":
            base_files.append(value)
        else:
            sys.exit(f"unknown option {flag}")
    text = open(path).read()
    lines = text.split("\n")
    marks = sum(l.count("TODO(draft):") for l in lines if not l.startswith(("# Drafted by", "# comes from")))

    # Body fields the page does not send.
    drop = set()
    for head, start, end in sections(lines):
        # A field as its own table (`[actions.X.body.F]`, several lines) ...
        m = re.match(r"^\[actions\.([a-z0-9_]+)\.body\.([^\]]+)\]$", head)
        if m and m.group(1) in keep and m.group(2).strip('"') not in keep[m.group(1)]:
            drop.update(range(start, end))
        # ... or one line of the body table (`[actions.X.body]`, `F = { ... }`).
        m = re.match(r"^\[actions\.([a-z0-9_]+)\.body\]$", head)
        if m and m.group(1) in keep:
            for i in range(start + 1, end):
                f = re.match(r'^"?([A-Za-z0-9@._-]+)"? = \{', lines[i])
                if f and f.group(1) not in keep[m.group(1)]:
                    drop.add(i)
    body_deleted = len(drop)

    # Types and enums no action reaches once those fields are gone.
    kept = [l for i, l in enumerate(lines) if i not in drop]
    doc = tomllib.loads("\n".join(kept).replace("TODO(draft):", ""))
    types, enums = doc.get("types", {}), doc.get("enums", {})
    queue = []
    for a in doc.get("actions", {}).values():
        queue += type_names(a.get("response", {}).get("type"))
        for f in a.get("body", {}).values():
            queue += type_names(f.get("type"))
    seen = set()
    while queue:
        t = queue.pop()
        if t in seen:
            continue
        seen.add(t)
        if t in types:
            queue += type_names(types[t].get("base"))
            for f in types[t].get("fields", {}).values():
                queue += type_names(f.get("type"))
    type_drop = set()
    for head, start, end in sections(lines):
        m = re.match(r"^\[(types|enums)\.([A-Za-z0-9]+)[\].]", head)
        if m and m.group(2) not in seen and start not in drop:
            type_drop.update(range(start, end))
    types_deleted = len(type_drop)

    # Levels an author writes by hand.
    stated = set()
    for kind, row in doc.get("privilege_levels", {}).items():
        if isinstance(row, dict):
            stated.update((kind, p) for p in row)
    for f in base_files:
        for kind, row in tomllib.load(open(f, "rb")).get("privilege_levels", {}).items():
            if isinstance(row, dict):
                stated.update((kind, p) for p in row)
    named = set()
    for a in doc.get("actions", {}).values():
        for kind in ("delegated", "application"):
            row = a.get("permissions", {}).get(kind)
            if isinstance(row, dict):
                named.update((kind, p) for p in row.get("least", []) + row.get("higher", []))
    by_hand = len(named - stated)

    print(f"{path}: {len(lines) - 1} lines, {marks} TODO(draft) marks, "
          f"{body_deleted} body lines and {types_deleted} type lines deleted "
          f"({body_deleted + types_deleted} in all), {by_hand} privilege levels written by hand")


if __name__ == "__main__":
    main(sys.argv[1:])
