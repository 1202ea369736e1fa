#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (the docs home page), so the two never drift apart.

nbdev's own `nbdev_readme` needs Quarto; this does the same job for a page made only of markdown cells:
it joins them, and points links to notebooks at nbs/. `python tools/sync_readme.py --check` exits 1 when
README.md is out of date.
"""
import re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]
HEADER = '<!-- Generated from nbs/index.ipynb by tools/sync_readme.py: edit the notebook, not this file. -->\n\n'


def render_readme(index: Path = ROOT/'nbs'/'index.ipynb') -> str:
    nb = nbformat.read(index, as_version=4)
    parts = [c.source.strip() for c in nb.cells if c.cell_type == 'markdown']
    text = '\n\n'.join(parts) + '\n'
    # notebook links are relative to nbs/ on the docs site; from the repository root they live in nbs/
    return HEADER + re.sub(r'\]\((\d\d_[\w.-]+\.ipynb(?:#[\w-]+)?)\)', r'](nbs/\1)', text)   # 71_practice.pixels.ipynb, #anchors too


if __name__ == '__main__':
    want, readme = render_readme(), ROOT/'README.md'
    if '--check' in sys.argv:
        ok = readme.exists() and readme.read_text() == want
        print('README.md is in step with nbs/index.ipynb' if ok else 'README.md is out of date: run python tools/sync_readme.py')
        sys.exit(0 if ok else 1)
    readme.write_text(want)
    print(f'wrote {readme}')
