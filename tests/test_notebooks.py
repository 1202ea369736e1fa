"What a reader meets in every committed notebook: lesson shape, and outputs a docs reader can trust."
import json, re, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import nb_shape  # noqa: E402

NOTEBOOKS = sorted((ROOT/'nbs').glob('*.ipynb'))
LESSONS = [p for p in NOTEBOOKS if re.match(r'0[1-9]_', p.name)]
REPORTS = {p.name: nb_shape.report(p) for p in NOTEBOOKS}
names = [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize('name', names)
def test_outputs_hold_no_stderr_and_no_local_paths(name):
    r = REPORTS[name]
    assert r['stderr'] == 0, f'{name}: {r["stderr"]} stderr outputs saved; catch the warning or fix its cause'
    assert r['local_paths'] == 0, f'{name}: {r["local_paths"]} outputs show a local path (/work, /tmp, .venv, ...)'


@pytest.mark.parametrize('name', names)
def test_code_fits_the_docs(name):
    r = REPORTS[name]
    assert r['wide_lines'] == 0, f'{name}: {r["wide_lines"]} code lines over {nb_shape.MAX_LINE} characters'
    assert r['longest'] <= nb_shape.MAX_CELL_LINES, f'{name}: a {r["longest"]}-line code cell'
    assert r['multi_export'] == 0, f'{name}: {r["multi_export"]} exported cells define more than one function or class'


@pytest.mark.parametrize('name', [p.name for p in LESSONS])
def test_lessons_read_as_lessons_not_test_suites(name):
    r = REPORTS[name]
    assert r['test_only'] <= nb_shape.MAX_TEST_ONLY_SHARE * r['visible'], \
        f'{name}: {r["test_only"]} of {r["visible"]} visible code cells are only tests; fold or hide the guards'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=names)
def test_no_visible_cell_needs_a_name_only_a_hidden_cell_defines(path):
    assert nb_shape.hidden_names(path) == [], 'a docs reader never sees `#| hide` cells: define these names visibly'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=names)
def test_import_cells_hold_only_imports(path):
    # nbdev's docs build (nbdev_proc_nbs) executes every cell with an import, without the lesson's other cells
    assert nb_shape.mixed_import_cells(path) == [], 'put these cells\' imports in a cell of their own'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=names)
def test_each_exporting_notebook_names_its_module(path):
    cells = json.loads(path.read_text())['cells']
    exps = [m.group(1) for c in cells if c['cell_type'] == 'code'
            for m in [re.search(r'^#\|\s*default_exp\s+(\w+)', ''.join(c['source']), re.M)] if m]
    if not exps: return
    assert exps == [path.stem.split('_', 1)[1]], f'{path.name} exports to {exps}; name the module after the notebook'
    assert (ROOT/'digit_sgd'/f'{exps[0]}.py').exists()
