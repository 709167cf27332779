# coldbpf inventory helper: embedded in the coldbpf binary and run with the
# machine's python3 (3.8+). Lists every function, method, lambda, generator
# expression and class body under ROOT, with the qualified name CPython gives
# its code object, its first line (co_firstlineno: the first decorator's line
# for decorated definitions), last line and own line count. One JSON object
# per line on stdout; files that fail to parse are reported, not fatal.
# List/set/dict comprehensions are left out: CPython 3.12+ inlines them.
import ast
import fnmatch
import json
import os
import re
import stat
import sys

# PEP 810 (3.15+): `lazy import x` / `lazy from x import y`. A machine's
# older python3 cannot parse them; the soft keyword only changes when the
# import runs, never what is defined, so an older parser gets the statement
# without `lazy` (same lines; only that line's columns move, and no
# definition is on it). Only `lazy` followed by `import` or `from` on the
# same line, which no older Python accepts.
LAZY_IMPORT = re.compile(rb"^([ \t]*)lazy([ \t]+)(?=(?:import|from)\b)", re.M)


def parse(data, full):
    try:
        return ast.parse(data, filename=full)
    except SyntaxError:
        blanked = LAZY_IMPORT.sub(rb"\1", data)
        if blanked == data:
            raise
        return ast.parse(blanked, filename=full)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")


class Inventory(ast.NodeVisitor):
    def __init__(self, path):
        self.path = path
        self.entries = []
        self.prefix = ""

    def _add(self, node, name, kind, first):
        entry = {"path": self.path, "qualname": self.prefix + name, "first": first,
                 "last": getattr(node, "end_lineno", first) or first, "kind": kind, "children": []}
        self.entries.append(entry)
        return entry

    def _scoped(self, node, name, kind, first, sep, body):
        entry = self._add(node, name, kind, first)
        outer = self.prefix
        self.prefix = outer + name + sep
        start = len(self.entries)
        for child in body:
            self.visit(child)
        entry["children"] = [e for e in self.entries[start:] if e["qualname"].count(".") ==
                             entry["qualname"].count(".") + (2 if sep != "." else 1)]
        self.prefix = outer

    def _def(self, node, kind):
        first = min([d.lineno for d in node.decorator_list] + [node.lineno])
        # decorators, defaults and annotations run in the enclosing scope
        for d in node.decorator_list:
            self.visit(d)
        if kind == "function":
            self.visit(node.args)
            body = node.body
            self._scoped(node, node.name, kind, first, ".<locals>.", body)
        else:
            for b in node.bases + node.keywords:
                self.visit(b)
            self._scoped(node, node.name, kind, first, ".", node.body)

    def visit_FunctionDef(self, node):
        self._def(node, "function")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._def(node, "class")

    def visit_Lambda(self, node):
        self.visit(node.args)
        self._scoped(node, "<lambda>", "lambda", node.lineno, ".<locals>.", [node.body])

    def visit_GeneratorExp(self, node):
        # the first iterable is evaluated outside the generator
        self.visit(node.generators[0].iter)
        rest = [node.elt] + [g.target for g in node.generators] + node.generators[0].ifs + \
               [x for g in node.generators[1:] for x in [g.iter] + g.ifs]
        self._scoped(node, "<genexpr>", "genexpr", node.lineno, ".<locals>.", rest)


def own_lines(entry):
    span = entry["last"] - entry["first"] + 1
    inner = sum(c["last"] - c["first"] + 1 for c in entry["children"])
    return max(1, span - inner)


def main():
    root = os.path.abspath(sys.argv[1])
    globs = json.loads(sys.argv[2]) if len(sys.argv) > 2 else []
    seen = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".git", ".hg", ".tox",
                                                            "node_modules", ".venv", "venv"))
        for fn in sorted(filenames):
            if not fn.endswith(".py"):
                continue
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, root)
            if any(fnmatch.fnmatch(rel, g) for g in globs):
                continue
            try:
                real = os.path.realpath(full)
                if real in seen:
                    continue
                seen.add(real)
                # a FIFO or device named *.py would block or never end
                if not stat.S_ISREG(os.stat(full).st_mode):
                    emit({"error": rel, "message": "not a regular file"})
                    continue
                with open(full, "rb") as f:
                    data = f.read()
                if b"\0" in data:
                    emit({"error": rel, "message": "binary file"})
                    continue
                tree = parse(data, full)
            except (SyntaxError, ValueError) as e:
                emit({"error": rel, "message": "cannot parse: %s (line %s)" % (
                    getattr(e, "msg", str(e)), getattr(e, "lineno", "?"))})
                continue
            except OSError as e:
                emit({"error": rel, "message": "cannot read: %s" % e.strerror})
                continue
            inv = Inventory(rel)
            inv.visit(tree)
            for e in inv.entries:
                emit({"path": rel, "qualname": e["qualname"], "first": e["first"], "last": e["last"],
                      "kind": e["kind"], "lines": own_lines(e)})
    emit({"done": True})


main()
