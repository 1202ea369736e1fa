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
    )


def main(argv=None):
    paths = [Path(p) for p in (argv or sys.argv[1:])] or sorted((ROOT/'nbs').glob('*.ipynb'))
    rows = [report(p) for p in paths]
    cols = list(rows[0])
    print('  '.join(f'{c:>12}' if i else f'{c:<22}' for i, c in enumerate(cols)))
    for r in rows: print('  '.join(f'{r[c]:>12}' if i else f'{r[c]:<22}' for i, c in enumerate(cols)))


if __name__ == '__main__':
    main()
