"The project's tools: the lesson-shape report, the course runner's scheduling, and what the preflight check reads."
import ast, json, os, subprocess, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import nb_shape, run_course  # noqa: E402


def test_test_only_cells_are_recognised():
    assert nb_shape.is_test_only('test_eq(a, 1)\nassert b  # why\n')
    assert nb_shape.is_test_only('#| hide\ntest_fail(f, contains="x")')
    assert not nb_shape.is_test_only('x = f()\ntest_eq(x, 1)')
    assert not nb_shape.is_test_only('test_close(f(a),\n           b)')       # a continuation line is code a reader reads
    assert not nb_shape.is_test_only('# just a comment\n')


def test_directives_and_definitions():
    assert nb_shape.directives('#| export\n#| hide\nx = 1') == {'export', 'hide'}
    assert nb_shape.exported_definitions('import os\nX = 1\ndef f(): pass\nclass A: pass') == 2
    assert nb_shape.exported_definitions('@patch\ndef f(self:A): pass') == 1


def test_report_counts_a_small_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('#| export\ndef f(): pass\ndef g(): pass'),
                nbformat.v4.new_code_cell('test_eq(f(), None)'),
                nbformat.v4.new_code_cell('#| hide\ntest_eq(g(), None)'),
                nbformat.v4.new_code_cell('x = "' + 'a'*130 + '"')]
    nb.cells[3].outputs = [nbformat.v4.new_output('stream', name='stderr', text='/tmp/ipykernel_123/1.py: warning')]
    p = tmp_path/'01_x.ipynb'; nbformat.write(nb, p)
    r = nb_shape.report(p)
    assert (r['visible'], r['test_only'], r['multi_export'], r['wide_lines'], r['stderr'], r['local_paths']) == \
           (3, 1, 1, 1, 1, 1)
    assert r['checks'] == 2


def test_lab_report_counts_what_jupyterlab_shows(tmp_path):
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    pin = code('#| hide  # pins the answer the prose quotes\ntest_eq(x, 1)')
    pin.metadata = {'jupyter': {'source_hidden': True}}
    nb = nbformat.v4.new_notebook(cells=[
        code('#| hide  # on Colab, installs the package\nif "google.colab" in x: pass'),   # setup: not counted
        md('## A section'), code('x = 1\nassert x == 1  # x is one'), pin,
        code('#| export\n#| hide\ndef _f(): pass'),                                     # exported: not counted
        md('## Another'), code('#| hide\ntest_fail(lambda: 1/0)\ntest_eq(x, 1)'),          # open, unsaid
        code('test_eq(x, 2)\n# why\ntest_eq(x, 3)'),                                      # one line unexplained
        md('## Self-check'), code('test_eq(x, 4)')])
    p = tmp_path/'01_x.ipynb'; nbformat.write(nb, p)
    (tmp_path/'tests').mkdir(); nbformat.write(nbformat.v4.new_notebook(cells=[code('test_eq(x, 1)\nassert y')]),
                                              tmp_path/'tests'/'test_x.ipynb')
    r = nb_shape.lab_report(p)
    assert (r['sections'], r['hidden'], r['hidden_lines'], r['not_collapsed'], r['unsaid']) == (3, 2, 5, 1, 1)
    assert (r['visible_tests'], r['unexplained'], r['test_fail'], r['selfcheck_tests'], r['last_is_test']) == \
           (4, 2, 1, 1, 1)
    # distinct checks over the lesson and nbs/tests/test_x.ipynb: x == 1, x is 1 (twice: once), 2, 3, 4, y, 1/0
    assert r['behaviours'] == 7
    assert nb_shape.test_notebook(p) == tmp_path/'tests'/'test_x.ipynb'


def test_runner_finds_lessons_in_course_order(tmp_path):
    for n in ['06_b.ipynb', '00_a.ipynb', 'index.ipynb', '80_speed.ipynb', '_hidden.ipynb']: (tmp_path/n).write_text('{}')
    assert [p.name for p in run_course.course_notebooks(tmp_path)] == ['00_a.ipynb', '06_b.ipynb', '80_speed.ipynb']
    assert [p.name for p in run_course.course_notebooks(tmp_path, only='speed')] == ['80_speed.ipynb']
    assert [p.name for p in run_course.course_notebooks(tmp_path, only='00, 80')] == ['00_a.ipynb', '80_speed.ipynb']


def test_runner_starts_the_slowest_first(tmp_path):
    nbs = [Path('01_a.ipynb'), Path('06_b.ipynb'), Path('02_c.ipynb')]
    prev = tmp_path/'results.json'
    prev.write_text(json.dumps({'notebooks': [{'notebook': '01_a.ipynb', 'seconds': 50}, {'notebook': '06_b.ipynb', 'seconds': 9}]}))
    assert [p.name for p in run_course.longest_first(nbs, prev)] == ['01_a.ipynb', '06_b.ipynb', '02_c.ipynb']
    assert [p.name for p in run_course.longest_first(nbs, tmp_path/'missing.json')] == ['06_b.ipynb', '02_c.ipynb', '01_a.ipynb']


def test_runner_keeps_the_slow_notebooks_for_last_each_alone(tmp_path):
    nbs = [tmp_path/n for n in ('01_a.ipynb', '06_b.ipynb', '02_c.ipynb', '07_d.ipynb')]
    slow = nbformat.v4.new_notebook(); slow.cells = [nbformat.v4.new_code_cell('#| slow\nx = 1')]
    for i, p in enumerate(nbs): nbformat.write(slow if i % 2 else nbformat.v4.new_notebook(), p)
    prev = tmp_path/'results.json'
    prev.write_text(json.dumps({'notebooks': [{'notebook': '01_a.ipynb', 'seconds': 50},
                                              {'notebook': '06_b.ipynb', 'seconds': 9}]}))
    others, alone = run_course.split_off_slow(nbs, prev)   # 01_a took longest, but only 06_b and 07_d have slow cells
    assert [p.name for p in alone] == ['06_b.ipynb', '07_d.ipynb']
    assert [p.name for p in others] == ['01_a.ipynb', '02_c.ipynb']
    others, alone = run_course.split_off_slow(nbs, tmp_path/'missing.json')   # a first run: later lessons first
    assert [p.name for p in alone] == ['07_d.ipynb', '06_b.ipynb']
    assert [p.name for p in others] == ['02_c.ipynb', '01_a.ipynb']
    assert run_course.split_off_slow([nbs[0], nbs[2]], prev)[1] == []   # no slow cells: nothing set apart
    assert run_course.split_off_slow(nbs[1:2], prev) == ([nbs[1]], [])  # a single notebook


def test_runner_reads_a_kernels_peak_memory():
    from digit_sgd.runner import peak_mib
    mib = peak_mib(os.getpid())
    assert mib is None or mib > 10                      # None where /proc is missing (not Linux)
    assert peak_mib(2**22 + 12345) is None   # no such process


def test_the_runner_skips_flagged_cells_by_nbdevs_parser():
    from digit_sgd.runner import skipped
    cell = lambda src: nbformat.v4.new_code_cell(src)
    assert skipped(cell('#| slow\nfit()')) == 'slow' and skipped(cell('#|cuda\nx')) == 'cuda'
    assert skipped(cell('#| slow\nfit()'), ('slow',)) is None and skipped(cell('x = 1  #| slow')) is None
    assert skipped(nbformat.v4.new_markdown_cell('#| slow')) is None


def test_runner_runs_a_notebook_and_notes_its_kernels_peak_memory(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("big = b'x' * (200 * 2**20)"), nbformat.v4.new_code_cell('len(big)')]
    nbformat.write(nb, tmp_path/'00_mem.ipynb')
    r = run_course.run_notebook(tmp_path/'00_mem.ipynb', tmp_path, dict(os.environ), inplace=False, timeout=60)
    assert r['error'] is None and r['seconds'] > 0
    if sys.platform.startswith('linux'): assert r['peak_mib'] > 200   # the last cell's reply still sees the 200 MiB
    assert nbformat.read(r['saved'], as_version=4).cells[1].outputs[0]['data']['text/plain'] == str(200 * 2**20)


def test_runner_splits_the_cores(monkeypatch):
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False); monkeypatch.setattr(run_course.os, 'cpu_count', lambda: 8)
    env = run_course.kernel_env(Path('/x'), jobs=2)
    assert env['OMP_NUM_THREADS'] == '4' and env[run_course.RESULTS_ENV] == '/x'
    assert 'OMP_NUM_THREADS' not in run_course.kernel_env(Path('/x'), jobs=1)   # alone: PyTorch's own default
    assert run_course.thread_note({}) == "PyTorch's default threads"


def test_hidden_names_are_found(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('#| hide\nimport tempfile\nsmall_x = 1\ndef _guard(): pass\nfor i in range(3): pass'),
                nbformat.v4.new_code_cell('y = small_x + 1\n_guard()\nf = lambda i: i\ntry: pass\nexcept ValueError as e: e'),
                nbformat.v4.new_code_cell('with tempfile.TemporaryDirectory() as d: print([small_x for small_x in [d]])'),
                nbformat.v4.new_code_cell('#| hide\nsmall_x = 2'),
                nbformat.v4.new_code_cell('small_x = 3\nprint(small_x)')]
    p = tmp_path/'01_x.ipynb'; nbformat.write(nb, p)
    # small_x and tempfile are read by visible cells but only a hidden cell made them; `_guard`, the lambda's `i`,
    # `e` and the comprehension's own small_x are fine, and a visible cell that defines small_x itself is fine
    assert nb_shape.hidden_names(p) == [(1, 'small_x'), (2, 'tempfile')]


def test_runner_words_and_lesson_check(tmp_path):
    assert (run_course.plural(1, 'notebook'), run_course.plural(2, 'PyTorch thread')) == ('1 notebook', '2 PyTorch threads')
    out = lambda text: nbformat.v4.new_output('stream', name='stdout', text=text)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('show(history)', outputs=[out('epoch 1: 0.9799, loss 10.95114')]),
        nbformat.v4.new_code_cell("record_result('06_x', 'net', acc, secs)\nprint(acc)", outputs=[
            out('validation accuracy 0.9823\n'),
            nbformat.v4.new_output('execute_result', data={'text/html': '<td>0.998037</td>'}, execution_count=1)]),
        nbformat.v4.new_code_cell("record_result('06_x', 'quiet', acc, secs)")])
    nbformat.write(nb, tmp_path/'06_x.ipynb')
    numbers = {'06_x': run_course.shown_numbers(tmp_path/'06_x.ipynb')}
    assert numbers['06_x'] == {None: {'0.9799', '10.9511', '0.9823', '0.9980'}, 'net': {'0.9823', '0.9980'}}
    rec = lambda acc, model='net', lesson='06_x': dict(lesson=lesson, model=model, accuracy=acc)
    assert run_course.shown_in_lesson(rec(0.98231), numbers) == 'yes'      # printed to 4 decimals where recorded
    assert run_course.shown_in_lesson(rec(0.998037), numbers) == 'yes'     # fastai's table shows 6
    assert run_course.shown_in_lesson(rec(0.9799), numbers) == 'NO'        # shown, but not where 'net' is recorded
    assert run_course.shown_in_lesson(rec(0.9799, 'quiet'), numbers) == 'yes'   # a cell that shows nothing: anywhere
    assert run_course.shown_in_lesson(rec(0.9511, 'quiet'), numbers) == 'NO'    # not a piece of 10.95114
    assert run_course.shown_in_lesson(rec(0.9951, lesson='other'), numbers) == '-'
    assert run_course.shown_numbers(tmp_path/'missing.ipynb') == {}


def test_preflight_reads_each_dataset_from_the_catalog():
    import preflight
    from digit_sgd import catalog
    assert preflight.DATASETS is catalog.DATASETS == (catalog.MNIST_SAMPLE, catalog.MNIST)   # one description each
    assert preflight.SAMPLE is catalog.MNIST_SAMPLE and preflight.MNIST is catalog.MNIST


def test_catalog_urls_are_fastais():
    from fastai.data.external import URLs
    from digit_sgd.catalog import DATASETS
    for ds in DATASETS:
        assert ds.url == getattr(URLs, ds.label), ds.label
        assert ds.archive == ds.url.rsplit('/', 1)[1] and len(ds.folders) == len(ds.counts)


def test_catalog_and_preflight_need_only_the_standard_library():
    "preflight runs with the system Python before anything is installed: `python -S` has no site-packages at all."
    tree = ast.parse((ROOT/'digit_sgd'/'catalog.py').read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | \
               {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
    assert {m.split('.')[0] for m in imported} <= sys.stdlib_module_names, imported
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], 'no other digit_sgd module'
    probe = ("import sys; sys.path.insert(0, 'tools'); import preflight; print(preflight.SAMPLE.label, "
             "sorted({m.split('.')[0] for m in sys.modules} - {'__main__', *sys.stdlib_module_names}))")
    r = subprocess.run([sys.executable, '-S', '-c', probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "MNIST_SAMPLE ['digit_sgd', 'preflight']\n", r.stdout + r.stderr
