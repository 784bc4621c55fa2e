#!/usr/bin/env python3
"""Reports cycles between the modules of `liveness/src`.

Reads every `.rs` file, resolves each `crate::` and `super::` path it names
(in `use` items and in code) to the module file it lands in, and prints the
cycles of two graphs: the crate's top-level modules (`lib.rs` aside, which
may depend on anything), and the files of each folder (a `mod.rs` and the
files beside it). Exits 1 when there is a cycle.
"""
import os, re, sys

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROOT = ARGS[0] if ARGS else os.path.join(os.path.dirname(__file__), "..", "liveness", "src")
ROOT = os.path.normpath(ROOT)

def module_of(rel):
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)

files = {}
for dirpath, _, names in os.walk(ROOT):
    for name in names:
        if name.endswith(".rs"):
            rel = os.path.relpath(os.path.join(dirpath, name), ROOT)
            files[module_of(rel)] = open(os.path.join(dirpath, name)).read()

def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)

PATH = re.compile(r"(?<![A-Za-z0-9_:])((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::(?:super|[A-Za-z_][A-Za-z0-9_]*|\{))+)")

def targets(module, text):
    """Module paths this file names: `use a::{b, c::d}` expanded by brace depth."""
    found = set()
    for m in PATH.finditer(text):
        path = m.group(1).split("::")
        if path[-1] == "{":
            path = path[:-1]
            # the paths inside the brace, at its first depth
            depth, i, inner = 1, m.end(), ""
            while i < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                inner += text[i]
                i += 1
            items, depth, item = [], 0, ""
            for ch in inner[:-1]:
                depth += {"{": 1, "}": -1}.get(ch, 0)
                if ch == "," and depth == 0:
                    items.append(item)
                    item = ""
                else:
                    item += ch
            items.append(item)
            for item in (re.match(r"\s*([A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)", i) for i in items):
                if not item:
                    continue  # a trailing comma
                if item.group(1) == "self":
                    found.add(resolve(module, path))
                    continue
                found.add(resolve(module, path + item.group(1).split("::")))
        else:
            found.add(resolve(module, path))
    found.discard(None)
    return found

def reexports(module):
    """Names `module` re-exports from a child (`pub(crate) use child::{A, B}`):
    the child that defines them, which is what a user of the name depends on."""
    names = {}
    pattern = r"pub(?:\([a-z]+\))? use (?!crate::|super::)([a-z_]+)::(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)"
    for m in re.finditer(pattern, strip(files[module])):
        if module + (m.group(1),) not in files:
            continue  # another crate's
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", m.group(2)):
            if name not in ("self", "crate"):
                names[name] = module + (m.group(1),)
    return names

def resolve(module, path):
    base = list(module)

    # a file's `super` is its parent module
    if path[0] == "crate":
        base, path = [], path[1:]
    elif path[0] == "self":
        path = path[1:]
    elif path[0] != "super":
        # a path relative to this module: only a child module of it counts
        if tuple(base) + (path[0],) not in files:
            return None
    while path and path[0] == "super":
        base, path = base[:-1], path[1:]
    target = tuple(base)
    for seg in path:
        if target + (seg,) in files:
            target = target + (seg,)
        elif seg in REEXPORTS.get(target, {}):
            return REEXPORTS[target][seg]
        else:
            break
    return target

REEXPORTS = {m: reexports(m) for m in files}
edges = {m: targets(m, strip(t)) for m, t in files.items()}

def cycles(graph):
    found, index, low, stack, on, n = [], {}, {}, [], set(), [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1:
                found.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found

top = {}
for m, ts in edges.items():
    if not m:
        continue  # lib.rs
    for t in ts:
        if t and t[0] != m[0]:
            top.setdefault(m[0], set()).add(t[0])
bad = 0
print("top-level modules (lib.rs aside):")
for c in cycles(top):
    bad += 1
    print("  cycle:", " <-> ".join(c))
for a in sorted(top):
    print(f"  {a} -> {', '.join(sorted(top[a]))}")
folders = sorted({m[:-1] for m in files if m[:-1]} | {m for m in files if m and any(k[:-1] == m for k in files)})
print("files within each folder (a folder's mod.rs and the files beside it):")
for folder in folders:
    graph = {}
    for m, ts in edges.items():
        if m != folder and m[:-1] != folder:
            continue
        for t in ts:
            t = t[: len(folder) + 1] if t[: len(folder)] == folder else None
            if t and t != m and (t == folder or t[:-1] == folder):
                graph.setdefault(m, set()).add(t)
    for c in cycles(graph):
        bad += 1
        print("  cycle:", " <-> ".join("/".join(x) or "lib" for x in c))
        if "--edges" in sys.argv:
            for a in c:
                print("     ", "/".join(a), "->", ", ".join(sorted("/".join(b) for b in graph.get(a, ()) if b in c)))
print(f"{bad} cycle(s)")
sys.exit(1 if bad else 0)
