#!/usr/bin/env python
"""What a reader meets in each notebook: visible code cells, how many of them are only tests, the longest code cell,
code lines over 120 characters, cells that export more than one definition, and output hygiene (stderr, local paths).
With --lab, what a learner meets in JupyterLab, Colab or VS Code, which show `#| hide` cells too (only the docs fold
them): hidden cells and their lines, how many open collapsed, test lines in visible cells, `test_fail` calls, tests in
the self-check, whether the last code cell is a test, and the distinct behaviours each lesson and its test notebook
check.

Usage: python tools/nb_shape.py [--lab] [NOTEBOOK ...]   (default: every notebook in nbs/, or the lessons with --lab)
tests/test_notebooks.py holds the course to the limits below.
"""
import ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_TEST_ONLY_SHARE, MAX_CELL_LINES, MAX_LINE = 0.1, 40, 120
MAX_HIDDEN_LINES = 60   # all hidden (`#| hide`, not exported) lines of a lesson together
_test_line = re.compile(r'^\s*(test_\w+\(|assert\b|#|$)')
_local_path = re.compile(r'(/work/|/tmp/|/home/|/root/|/Users/|/private/var/|\.venv/|site-packages|ipykernel_\d+)')
_directive = re.compile(r'^\s*#\|\s*(\w+)')
_test_call = re.compile(r'^\s*(test_\w+\(|assert\b)')


def _src(c) -> str: return ''.join(c['source'])


def _python(src: str) -> str:
    "A cell's Python, without magics, shell escapes and nbdev directives."
    return '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')) and not _directive.match(l))


def directives(src: str) -> set:
    "nbdev directives (`#| hide`, `#| export`, ...) at the top of a cell."
    return {m.group(1) for l in src.splitlines() if (m := _directive.match(l))}


def is_test_only(src: str) -> bool:
    "A cell whose every line is a test call, an assert, a comment or blank (a continuation line counts as code)."
    lines = [l for l in src.splitlines() if not _directive.match(l)]
    return any(_test_call.match(l) for l in lines) and all(_test_line.match(l) for l in lines)


def exported_definitions(src: str) -> int:
    "Functions and classes defined at the top level of a cell (imports and constants do not count)."
    try: tree = ast.parse(_python(src))
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
    try: v.visit(ast.parse(_python(src)))
    except SyntaxError: pass
    return v


def hidden_names(path: Path) -> list:
    "(cell index, name) for each visible cell that reads a name only a `#| hide` cell defined (private `_x` excepted)."
    cells, shown, hidden, found = json.loads(Path(path).read_text())['cells'], set(), set(), []
    for i, c in enumerate(cells):
        if c['cell_type'] != 'code': continue
        src = _src(c); v = _names(src)
        if 'hide' in directives(src): hidden |= v.defined - shown; continue
        found += [(i, n) for n in sorted(v.read & hidden) if not n.startswith('_')]
        shown |= v.defined; hidden -= v.defined
    return found


def mixed_import_cells(path: Path) -> list:
    """Indices of code cells that nbdev's docs build would execute (it runs every cell holding an import) but that
    hold more than imports: they fail there, with none of the lesson's variables defined."""
    found = []
    for i, c in enumerate(json.loads(Path(path).read_text())['cells']):
        src = _src(c)
        if c['cell_type'] != 'code' or directives(src) & {'export', 'exports', 'exporti', 'exec_doc'}: continue
        if re.search(r'^#\|\s*eval:\s*false', src, re.M): continue
        try: tree = ast.parse(_python(src))
        except SyntaxError: continue
        if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)): continue
        if not all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body): found.append(i)
    return found


def report(path: Path) -> dict:
    cells = json.loads(Path(path).read_text())['cells']
    code = [_src(c) for c in cells if c['cell_type'] == 'code']
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


def check_statements(src: str) -> set:
    "The checks a cell makes: each `test_*(...)` call and each `assert`, as normalised source (the same check once)."
    try: tree = ast.parse(_python(src))
    except SyntaxError: return set()
    found = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Assert): found.add('assert ' + ast.unparse(n.test))
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.startswith('test_'):
            found.add(ast.unparse(n))
    return found


def behaviours(*paths) -> set:
    "The distinct checks that a set of notebooks makes (a lesson and its test notebook, say)."
    return set().union(*(check_statements(_src(c)) for p in paths if Path(p).exists()
                         for c in json.loads(Path(p).read_text())['cells'] if c['cell_type'] == 'code'))


def test_notebook(lesson: Path) -> Path:
    "Where the tests of a lesson's module live: nbs/tests/test_<module>.ipynb (`01_pixels` -> `test_pixels`)."
    return Path(lesson).parent/'tests'/f"test_{Path(lesson).stem.split('_', 1)[1]}.ipynb"


def is_hidden(src: str) -> bool:
    "A `#| hide` cell that a learner still sees in JupyterLab (exported cells and the Colab install cell are code)."
    d = directives(src)
    return 'hide' in d and not d & {'export', 'exporti', 'exports'} and 'google.colab' not in src


def is_collapsed(cell) -> bool: return bool(cell.get('metadata', {}).get('jupyter', {}).get('source_hidden'))


def says_what_it_pins(src: str) -> bool:
    """Whether a cell's first line, all that JupyterLab shows of a collapsed cell, says something in words: a comment,
    or a directive with a comment after it (`#| hide  # pins the distances quoted above`)."""
    first = (src.splitlines() or [''])[0]
    return bool(re.match(r'^\s*#(\|\s*hide\s+#)?\s*[A-Za-z]', first))


def unexplained_tests(src: str) -> int:
    "Test or assert lines in a visible cell with no sentence beside them (a comment on the line or just above)."
    lines, n = src.splitlines(), 0
    for i, l in enumerate(lines):
        if _test_call.match(l) and '#' not in l and not (i and lines[i-1].lstrip().startswith('#')): n += 1
    return n


def lab_report(path: Path) -> dict:
    "What a learner meets when the lesson opens in JupyterLab, and the behaviours its tests check."
    cells = json.loads(Path(path).read_text())['cells']
    sections, in_selfcheck, hidden, visible, selfcheck_tests = 0, False, [], [], 0
    for c in cells:
        src = _src(c)
        if c['cell_type'] == 'markdown' and re.match(r'^##\s', src):
            sections += 1; in_selfcheck = bool(re.match(r'^##\s+self-check', src, re.I))
        if c['cell_type'] != 'code': continue
        (hidden if is_hidden(src) else visible).append(c)
        if in_selfcheck and (check_statements(src) or is_hidden(src)): selfcheck_tests += 1
    code = [c for c in cells if c['cell_type'] == 'code']
    last = _src(code[-1]) if code else ''
    return dict(
        notebook=Path(path).name, sections=sections,
        visible=len(visible), visible_lines=sum(len(_python(_src(c)).splitlines()) for c in visible),
        hidden=len(hidden), hidden_lines=sum(len(_src(c).splitlines()) for c in hidden),
        not_collapsed=sum(not is_collapsed(c) for c in hidden),
        unsaid=sum(not says_what_it_pins(_src(c)) for c in hidden),
        visible_tests=sum(1 for c in visible for l in _src(c).splitlines() if _test_call.match(l)),
        unexplained=sum(unexplained_tests(_src(c)) for c in visible),
        test_fail=sum(len(re.findall(r'\btest_fail\(', _src(c))) for c in code),
        selfcheck_tests=selfcheck_tests,
        last_is_test=int(is_hidden(last) or is_test_only(last)),
        behaviours=len(behaviours(path, test_notebook(path))),
    )


def _table(rows):
    cols = list(rows[0])
    print('  '.join(f'{c:>12}' if i else f'{c:<22}' for i, c in enumerate(cols)))
    for r in rows: print('  '.join(f'{r[c]:>12}' if i else f'{r[c]:<22}' for i, c in enumerate(cols)))


def main(argv=None):
    args = list(argv if argv is not None else sys.argv[1:])
    lab = '--lab' in args
    if lab: args.remove('--lab')
    paths = [Path(p) for p in args] or sorted((ROOT/'nbs').glob('0[1-9]_*.ipynb' if lab else '*.ipynb'))
    if lab: return _table([lab_report(p) for p in paths])
    _table([report(p) for p in paths])


if __name__ == '__main__':
    main()
