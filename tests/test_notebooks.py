"What a reader meets in every committed notebook: lesson shape, and outputs a docs reader can trust."
import functools, json, re, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import nb_shape  # noqa: E402

NOTEBOOKS = sorted((ROOT/'nbs').glob('*.ipynb')) + sorted((ROOT/'nbs'/'tests').glob('*.ipynb'))
LESSONS = [p for p in NOTEBOOKS if re.match(r'0[1-9]_', p.name)]
names = [str(p.relative_to(ROOT/'nbs')) for p in NOTEBOOKS]
# Distinct checks (`test_*` calls and asserts) over each lesson and its test notebook, counted when the tests moved out
# of the lessons into nbs/tests/ (issue 21): coverage may grow, never drop.
# the Python version JupyterLab writes into language_info: the one the notebooks were saved with, the same in all of them
LANGUAGE_VERSION = json.loads((ROOT/'nbs'/'index.ipynb').read_text())['metadata']['language_info']['version']
BEHAVIOURS_BEFORE = {'01_pixels.ipynb': 46, '02_baseline.ipynb': 131, '03_sgd.ipynb': 93, '04_loss.ipynb': 117,
                     '05_minibatch.ipynb': 133, '06_neural_net.ipynb': 50, '07_ten_digits.ipynb': 161}


# Each notebook is read and parsed once, when a test first asks about it (`-k` runs only what it selects)
@functools.cache
def report(name: str) -> dict:
    "tools/nb_shape.py's report on one notebook, named as below nbs/ (`01_pixels.ipynb`, `tests/test_pixels.ipynb`)."
    return nb_shape.report(ROOT/'nbs'/name)


@functools.cache
def lab(name: str) -> dict: return nb_shape.lab_report(ROOT/'nbs'/name)   # what JupyterLab shows of a lesson


@functools.cache
def notebook(path: Path) -> dict: return json.loads(path.read_text())


@pytest.mark.parametrize('name', names)
def test_outputs_hold_no_stderr_and_no_local_paths(name):
    r = report(name)
    assert r['stderr'] == 0, f'{name}: {r["stderr"]} stderr outputs saved; catch the warning or fix its cause'
    assert r['local_paths'] == 0, f'{name}: {r["local_paths"]} outputs show a local path (/work, /tmp, .venv, ...)'


@pytest.mark.parametrize('name', names)
def test_code_fits_the_docs(name):
    r = report(name)
    assert r['wide_lines'] == 0, f'{name}: {r["wide_lines"]} code lines over {nb_shape.MAX_LINE} characters'
    assert r['longest'] <= nb_shape.MAX_CELL_LINES, f'{name}: a {r["longest"]}-line code cell'
    assert r['multi_export'] == 0, f'{name}: {r["multi_export"]} exported cells define more than one function or class'


@pytest.mark.parametrize('name', [p.name for p in LESSONS])
def test_lessons_read_as_lessons_not_test_suites(name):
    r = report(name)
    assert r['test_only'] <= nb_shape.MAX_TEST_ONLY_SHARE * r['visible'], \
        f'{name}: {r["test_only"]} of {r["visible"]} visible code cells are only tests; fold or hide the guards'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=names)
def test_no_visible_cell_needs_a_name_only_a_hidden_cell_defines(path):
    # the report counts nb_shape.hidden_names(path); the names themselves are worked out again only to say which
    assert report(str(path.relative_to(ROOT/'nbs')))['hidden_names'] == 0, \
        f'{nb_shape.hidden_names(path)}: a docs reader never sees `#| hide` cells: define these names visibly'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=names)
def test_import_cells_hold_only_imports(path):
    # nbdev's docs build (nbdev_proc_nbs) executes every cell with an import, without the lesson's other cells
    # the report counts nb_shape.mixed_import_cells(path), as for hidden names above
    assert report(str(path.relative_to(ROOT/'nbs')))['mixed_imports'] == 0, \
        f'cells {nb_shape.mixed_import_cells(path)}: put these cells\' imports in a cell of their own'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=names)
def test_each_exporting_notebook_names_its_module(path):
    cells = notebook(path)['cells']
    exps = [m.group(1) for c in cells if c['cell_type'] == 'code'
            for m in [re.search(r'^#\|\s*default_exp\s+([\w.]+)', ''.join(c['source']), re.M)] if m]
    if not exps: return
    assert exps == [path.stem.split('_', 1)[1]], f'{path.name} exports to {exps}; name the module after the notebook'
    assert (ROOT/'digit_sgd'/f"{exps[0].replace('.', '/')}.py").exists()   # practice.pixels: practice/pixels.py


@pytest.mark.parametrize('name', [p.name for p in LESSONS])
def test_a_lesson_opened_in_jupyterlab_shows_no_test_wall(name):
    # JupyterLab, Colab and VS Code show `#| hide` cells; only the docs fold them
    r = lab(name)
    assert r['hidden'] <= r['sections'], f'{name}: {r["hidden"]} hidden cells for {r["sections"]} sections; ' \
        'pin what the prose quotes in one cell per section, move the other tests to ' + nb_shape.test_notebook(name).name
    assert r['hidden_lines'] <= nb_shape.MAX_HIDDEN_LINES, f'{name}: {r["hidden_lines"]} hidden lines'
    assert r['not_collapsed'] == 0, f'{name}: {r["not_collapsed"]} hidden cells open expanded (jupyter.source_hidden)'
    assert r['unsaid'] == 0, f'{name}: {r["unsaid"]} hidden cells whose first line does not say what they pin'
    assert r['test_fail'] == 0, f'{name}: bad-input tests belong in {nb_shape.test_notebook(name).name}'
    assert r['unexplained'] == 0, f'{name}: {r["unexplained"]} visible test lines without a sentence beside them'
    assert r['selfcheck_tests'] == 0, f'{name}: a test cell in the self-check spells out its answers'
    assert not r['last_is_test'], f'{name}: Run All ends on a test cell'


@pytest.mark.parametrize('name', [p.name for p in LESSONS])
def test_moving_the_tests_out_dropped_no_check(name):
    assert nb_shape.test_notebook(ROOT/'nbs'/name).exists()
    assert lab(name)['behaviours'] >= BEHAVIOURS_BEFORE[name], \
        f'{name} and its test notebook check {lab(name)["behaviours"]} distinct things, {BEHAVIOURS_BEFORE[name]} before'


def test_test_notebooks_stay_off_the_site():   # nbdev_test finds them: settings.ini's recursive, in test_project.py
    assert "'!tests/'" in (ROOT/'nbs'/'_quarto.yml').read_text()    # Quarto renders the rest
    assert 'tests/' not in (ROOT/'nbs'/'sidebar.yml').read_text()


def _kernel_language_info() -> dict:
    "What ipykernel tells JupyterLab about its language, which JupyterLab writes into every notebook it opens."
    from ipykernel.ipkernel import IPythonKernel
    return dict(IPythonKernel.language_info)


@pytest.mark.parametrize('path', NOTEBOOKS, ids=names)
def test_notebooks_open_unmodified_in_jupyterlab(path):
    # JupyterLab writes the kernel's display name and language_info into a notebook it opens; when they are already
    # there, unchanged, the notebook stays unmodified. nbdev_clean sets the display name to the kernel's name, and
    # tools/lab.sh offers the kernel under that name. The Python version differs from machine to machine: the
    # notebooks carry the one tools/setup.sh installs here, the same in all of them.
    nb = notebook(path)
    assert nb['metadata']['kernelspec'] == {'display_name': 'python3', 'language': 'python', 'name': 'python3'}
    info, kernel = dict(nb['metadata'].get('language_info', {})), _kernel_language_info()
    assert info.pop('version', None) == LANGUAGE_VERSION, f'{path.name}: saved with another Python than index.ipynb'
    kernel.pop('version')
    assert info == kernel, f'{path.name}: language_info is not what JupyterLab writes; open and save it in tools/lab.sh'
