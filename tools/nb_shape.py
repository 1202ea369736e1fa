#!/usr/bin/env python
"""What a reader meets in each notebook: visible code cells, how many of them are only tests, the longest code cell,
code lines over 120 characters, cells that export more than one definition, and output hygiene (stderr, local paths).

Usage: python tools/nb_shape.py [NOTEBOOK ...]   (default: every notebook in nbs/)
tests/test_notebooks.py holds the course to the limits below.
"""
import ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_TEST_ONLY_SHARE, MAX_CELL_LINES, MAX_LINE = 0.1, 40, 120
_test_line = re.compile(r'^\s*(test_\w+\(|assert\b|#|$)')
_local_path = re.compile(r'(/work/|/tmp/|/home/|/root/|/Users/|/private/var/|\.venv/|site-packages|ipykernel_\d+)')
_directive = re.compile(r'^\s*#\|\s*(\w+)')


def directives(src: str) -> set:
    "nbdev directives (`#| hide`, `#| export`, ...) at the top of a cell."
    return {m.group(1) for l in src.splitlines() if (m := _directive.match(l))}


def is_test_only(src: str) -> bool:
    "A cell whose every line is a test call, an assert, a comment or blank (a continuation line counts as code)."
    lines = [l for l in src.splitlines() if not _directive.match(l)]
    return any(re.match(r'^\s*(test_\w+\(|assert\b)', l) for l in lines) and all(_test_line.match(l) for l in lines)


def exported_definitions(src: str) -> int:
    "Functions and classes defined at the top level of a cell (imports and constants do not count)."
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return 0
    return sum(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) for n in tree.body)


class _Names(ast.NodeVisitor):
    "Names a cell defines at its top level, and names it reads that are not local to a function, lambda or comprehension."
    def __init__(self): self.defined, self.read, self.local = set(), set(), [set()]
    def _bind(self, name): (self.defined if len(self.local) == 1 else self.local[-1]).add(name)
    def visit_Name(self, n):
        if isinstance(n.ctx, ast.Load):
            if not any(n.id in scope for scope in self.local) and n.id not in self.defined: self.read.add(n.id)
        else: self._bind(n.id)
    def visit_alias(self, n): self._bind((n.asname or n.name).split('.')[0])
    def visit_ExceptHandler(self, n):
        if n.name: self._bind(n.name)
        self.generic_visit(n)
    def _scoped(self, n, args=None, body=None):
        for d in getattr(n, 'decorator_list', []): self.visit(d)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): self._bind(n.name)
        scope = {a.arg for a in (args.posonlyargs + args.args + args.kwonlyargs) if a} if args else set()
        if args and args.vararg: scope.add(args.vararg.arg)
        if args and args.kwarg: scope.add(args.kwarg.arg)
        if args:
            for d in args.defaults + [d for d in args.kw_defaults if d]: self.visit(d)
        self.local.append(scope)
        for stmt in (body if isinstance(body, list) else [body]): self.visit(stmt)
        self.local.pop()
    def visit_FunctionDef(self, n): self._scoped(n, n.args, n.body)
    visit_AsyncFunctionDef = visit_FunctionDef
    def visit_ClassDef(self, n): self._scoped(n, None, n.body)
    def visit_Lambda(self, n): self._scoped(n, n.args, n.body)
    def _comp(self, n):
        self.local.append(set())
        for g in n.generators: self.visit(g)
        for part in ('elt', 'key', 'value'):
            if hasattr(n, part): self.visit(getattr(n, part))
        self.local.pop()
    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comp


def _names(src: str) -> _Names:
    v = _Names()
    try: v.visit(ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))))
    except SyntaxError: pass
    return v


def hidden_names(path: Path) -> list:
    "(cell index, name) for each visible cell that reads a name only a `#| hide` cell defined (private `_x` excepted)."
    cells, shown, hidden, found = json.loads(Path(path).read_text())['cells'], set(), set(), []
    for i, c in enumerate(cells):
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source']); v = _names(src)
        if 'hide' in directives(src): hidden |= v.defined - shown; continue
        found += [(i, n) for n in sorted(v.read & hidden) if not n.startswith('_')]
        shown |= v.defined; hidden -= v.defined
    return found


def mixed_import_cells(path: Path) -> list:
    """Indices of code cells that nbdev's docs build would execute (it runs every cell holding an import) but that
    hold more than imports: they fail there, with none of the lesson's variables defined."""
    found = []
    for i, c in enumerate(json.loads(Path(path).read_text())['cells']):
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or directives(src) & {'export', 'exports', 'exporti', 'exec_doc'}: continue
        if re.search(r'^#\|\s*eval:\s*false', src, re.M): continue
        try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
        except SyntaxError: continue
        if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)): continue
        if not all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body): found.append(i)
    return found


def report(path: Path) -> dict:
    cells = json.loads(Path(path).read_text())['cells']
    code = [''.join(c['source']) for c in cells if c['cell_type'] == 'code']
    visible = [s for s in code if 'hide' not in directives(s)]
    outputs = [o for c in cells if c['cell_type'] == 'code' for o in c.get('outputs', [])]
    return dict(
        notebook=Path(path).name,
        visible=len(visible),
        test_only=sum(map(is_test_only, visible)),
        longest=max((len(s.splitlines()) for s in code), default=0),
        wide_lines=sum(len(l) > MAX_LINE for s in code for l in s.splitlines()),
        multi_export=sum('export' in directives(s) and exported_definitions(s) > 1 for s in code),
        stderr=sum(o.get('name') == 'stderr' for o in outputs),
        local_paths=sum(bool(_local_path.search(json.dumps(o))) for o in outputs),
        checks=sum(len(re.findall(r'\btest_\w+\(|\bassert\b', s)) for s in code),
        hidden_names=len(hidden_names(path)),
        mixed_imports=len(mixed_import_cells(path)),
    )


def main(argv=None):
    paths = [Path(p) for p in (argv or sys.argv[1:])] or sorted((ROOT/'nbs').glob('*.ipynb'))
    rows = [report(p) for p in paths]
    cols = list(rows[0])
    print('  '.join(f'{c:>12}' if i else f'{c:<22}' for i, c in enumerate(cols)))
    for r in rows: print('  '.join(f'{r[c]:>12}' if i else f'{r[c]:<22}' for i, c in enumerate(cols)))


if __name__ == '__main__':
    main()
