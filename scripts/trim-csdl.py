#!/usr/bin/env python3
"""Trims Microsoft Graph CSDL files to what graph-api's spec (and the tests' extra paths) need.

Usage: scripts/trim-csdl.py <spec-dir> <in.xml> <out.xml> [<in> <out>]... [--path 'METHOD /path']...

Source: microsoftgraph/msgraph-metadata at commit f54f11b60956ea7b185ca0447b2b80805836ec7b,
`clean_v10_metadata/cleanMetadata.xml` and `schemas/v1.0-{Prod,Fairfax,Mooncake}.csdl` (see
../shared/msgraph/README.md). Every kept line is copied as it is; what is dropped:
- entity sets and singletons other than the paths' first segments, and every `<Annotations>` block;
- navigation properties, bound actions and functions that no path walks through, except that the
  types the spec declares (by `odata_type`), the types of their properties, of the walked
  operations' parameters and results, and of the last segment of each `--path`, keep every
  property and navigation property;
- the types and enums nothing kept refers to.
"""
import re
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def load(path):
    root = ET.parse(path).getroot()
    aliases, types, ops, roots = {}, {}, [], {}
    schemas = list(root.iter(EDM + "Schema"))
    for s in schemas:
        if s.get("Alias"):
            aliases[s.get("Alias")] = s.get("Namespace")

    def q(name):
        inner = name[len("Collection("):-1] if name.startswith("Collection(") else name
        ns, _, simple = inner.rpartition(".")
        return f"{aliases.get(ns, ns)}.{simple}"

    for s in schemas:
        ns = s.get("Namespace")
        for e in s:
            tag = e.tag[len(EDM):]
            name = f"{ns}.{e.get('Name')}"
            if tag in ("EntityType", "ComplexType"):
                types[name] = {
                    "base": q(e.get("BaseType")) if e.get("BaseType") else None,
                    "props": [q(p.get("Type")) for p in e.findall(EDM + "Property")],
                    "navs": {n.get("Name"): q(n.get("Type")) for n in e.findall(EDM + "NavigationProperty")},
                }
            elif tag == "EnumType":
                types[name] = {"base": None, "props": [], "navs": {}}
            elif tag in ("Action", "Function") and e.get("IsBound") == "true":
                params = e.findall(EDM + "Parameter")
                ret = e.find(EDM + "ReturnType")
                ops.append({
                    "name": e.get("Name"),
                    "binding": q(params[0].get("Type")),
                    "types": [q(p.get("Type")) for p in params[1:]] + ([q(ret.get("Type"))] if ret is not None else []),
                })
            elif tag == "EntityContainer":
                for c in e:
                    t = c.get("EntityType") or c.get("Type")
                    roots[c.get("Name")] = q(t)
    return types, ops, roots


def aliases_of(path):
    root = ET.parse(path).getroot()
    return {s.get("Alias"): s.get("Namespace") for s in root.iter(EDM + "Schema") if s.get("Alias")}


def chain(types, t):
    out = []
    while t in types and t not in out:
        out.append(t)
        t = types[t]["base"]
    return out


def plan(types, ops, roots, paths, declared):
    """(root names, walked navs {(type, nav)}, walked ops {(name, binding)}, full types, shell types)."""
    keep_roots, navs, kept_ops, full, shell = set(), set(), set(), set(declared), set()
    for path in paths:
        segs = path.strip("/").split("/")
        if segs[0] not in roots:
            continue
        keep_roots.add(segs[0])
        t = roots[segs[0]]
        shell.add(t)
        for seg in segs[1:]:
            if seg.startswith("{"):
                continue
            name = seg.removeprefix("microsoft.graph.")
            owner = next((c for c in chain(types, t) if name in types[c]["navs"]), None)
            if owner:
                navs.add((owner, name))
                t = types[owner]["navs"][name]
                shell.add(t)
                continue
            op = next((o for c in chain(types, t) for o in ops if o["name"] == name and o["binding"] == c), None)
            if op:
                kept_ops.add((op["name"], op["binding"]))
                full.update(x for x in op["types"] if not x.startswith("Edm."))
                t = None
                break
        if t and path in EXTRA:
            full.add(t)
    # Closure: full types keep every property (and navigation property, as shells).
    todo = list(full)
    while todo:
        t = todo.pop()
        if t not in types:
            continue
        full.add(t)
        for x in types[t]["props"] + ([types[t]["base"]] if types[t]["base"] else []):
            if x not in full and not x.startswith("Edm."):
                todo.append(x)
        shell.update(types[t]["navs"].values())
    for t in list(shell):
        shell.update(chain(types, t))
    return keep_roots, navs, kept_ops, full, shell | full


TAG = re.compile(r"^\s*<(/?)([A-Za-z:]+)([^>]*?)(/?)>\s*$")


def attr(text, name):
    m = re.search(rf'\b{name}="([^"]*)"', text)
    return m.group(1) if m else None


def tree(lines):
    """Lines -> nested [tag, attrs text, open line, children, close line]; text lines are leaves."""
    root = ["", "", None, [], None]
    stack = [root]
    for line in lines:
        m = TAG.match(line)
        if not m:
            stack[-1][3].append(line)
            continue
        closing, tag, rest, selfclose = m.groups()
        if closing:
            stack.pop()[4] = line
            continue
        node = [tag, rest, line, [], None]
        stack[-1][3].append(node)
        if not selfclose:
            stack.append(node)
    return root


def qualify(name, ns_alias):
    inner = name[len("Collection("):-1] if name.startswith("Collection(") else name
    ns, _, simple = inner.rpartition(".")
    return f"{ns_alias.get(ns, ns)}.{simple}"


def keep(node, ctx, roots, navs, ops, full, kept_types, aliases):
    if isinstance(node, str):
        return True
    tag, rest = node[0], node[1]
    parent = ctx[-1] if ctx else None
    if tag == "Schema":
        return True
    if parent and parent[0] == "Schema":
        ns = attr(parent[1], "Namespace")
        name = f"{ns}.{attr(rest, 'Name')}"
        if tag in ("EntityType", "ComplexType", "EnumType"):
            return name in kept_types
        if tag in ("Action", "Function"):
            first = next((c for c in node[3] if not isinstance(c, str) and c[0] == "Parameter"), None)
            return first is not None and (attr(rest, "Name"), qualify(attr(first[1], "Type"), aliases)) in ops
        if tag == "Annotations":
            return False
        return True
    if parent and parent[0] == "EntityContainer":
        return attr(rest, "Name") in roots
    if parent and parent[0] in ("EntityType", "ComplexType") and tag == "NavigationProperty":
        owner = f"{attr(ctx[-2][1], 'Namespace')}.{attr(parent[1], 'Name')}"
        return owner in full or (owner, attr(rest, "Name")) in navs
    return True


def emit(node, ctx, out, *k):
    for c in node[3]:
        if not keep(c, ctx + [node], *k):
            continue
        if isinstance(c, str):
            out.append(c)
            continue
        out.append(c[2])
        emit(c, ctx + [node], out, *k)
        if c[4] is not None:
            out.append(c[4])


def trim(src, dst, roots, navs, ops, full, kept_types, aliases):
    lines = Path(src).read_text(encoding="utf-8-sig").splitlines()
    out = []
    emit(tree(lines), [], out, roots, navs, ops, full, kept_types, aliases)
    Path(dst).write_text("\n".join(out) + "\n", encoding="utf-8")


EXTRA = set()


def main():
    args = sys.argv[1:]
    extra = []
    while "--path" in args:
        i = args.index("--path")
        extra.append(args[i + 1].split(" ", 1)[1])
        del args[i:i + 2]
    spec_dir, pairs = Path(args[0]), list(zip(args[1::2], args[2::2]))
    EXTRA.update(extra)
    paths, declared = list(extra), set()
    for f in sorted(spec_dir.rglob("*.toml")):
        data = tomllib.loads(f.read_text())
        paths += [a["path"] for a in data.get("actions", {}).values()]
        declared |= {t["odata_type"].lstrip("#") for t in data.get("types", {}).values() if "odata_type" in t}
    for src, dst in pairs:
        types, ops, roots = load(src)
        keep_roots, navs, kept_ops, full, kept = plan(types, ops, roots, paths, declared & set(types))
        trim(src, dst, keep_roots, navs, kept_ops, full, kept, aliases_of(src))


main()
