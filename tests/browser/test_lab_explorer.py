"""Lesson 3's learning-rate explorer, used the way a learner uses it: in JupyterLab, in a real browser.

Starts JupyterLab with tools/lab.sh on a copy of nbs/ in a temporary folder (JupyterLab autosaves: the committed
notebooks never change), opens 03_sgd.ipynb in headless Chromium (Debian's, driven by Playwright), and checks that
- the lesson as opened shows no widget error (its committed outputs are text, no widget state) and is not marked
  modified (tools/lab.sh offers the kernel under the display name the notebooks carry);
- Run All runs every cell without an error, and then the explorer is on the page (CSS class digit-sgd-explorer) with
  its `lr` slider, its figure and its caption (class digit-sgd-caption);
- dragging the `lr` slider's handle with the mouse to the far right makes the caption start with `diverging` and
  changes the figure, and dragging it to the far left makes the caption start with `too slow`.
Screenshots (before, after each drag) go to $DIGIT_SGD_BROWSER_SHOTS, or pytest's tmp_path; their paths are printed.
JupyterLab and its kernels are killed at the end whatever happens.

Run it with `bash tools/browser_test.sh` (installs Chromium and Playwright when missing, then runs this folder; a
missing browser fails there). `python -m pytest tests/browser` skips it when Chromium or Playwright is missing;
`python -m pytest tests` does not collect it at all (see conftest.py).
"""
import importlib.util, json, os, re, secrets, shutil, signal, socket, subprocess, time, urllib.request
from pathlib import Path

import psutil, pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON = '03_sgd.ipynb'
CHROMIUM = os.environ.get('DIGIT_SGD_CHROMIUM') or shutil.which('chromium') or '/usr/bin/chromium'
REQUIRED = os.environ.get('DIGIT_SGD_BROWSER_TEST') == 'required'   # set by tools/browser_test.sh: missing = failure
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
RUN_ALL_S, START_S, REDRAW_S = 180, 120, 30   # generous: lesson 3 runs in 20-40 s on two busy cores


def _need_browser():
    "Skip (fail under tools/browser_test.sh) when Playwright or Chromium is missing."
    missing = [what for what, ok in [('Playwright (pip install playwright)', importlib.util.find_spec('playwright')),
                                     (f'Chromium ({CHROMIUM}; Debian package chromium)', os.access(CHROMIUM, os.X_OK))]
               if not ok]
    if missing:
        (pytest.fail if REQUIRED else pytest.skip)(f'{" and ".join(missing)} missing: '
                                                   'run bash tools/browser_test.sh, which installs them')


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _stop(proc):
    "End JupyterLab (its process group) and every process it started, kernels included (each in its own session)."
    try: family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess: family = []
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):   # SIGTERM first: the server shuts its kernels down
        for pid in {proc.pid} | {p.pid for p in family}:
            try: os.killpg(os.getpgid(pid), sig)   # JupyterLab's group, and each kernel's own session
            except (ProcessLookupError, PermissionError): pass
        _, alive = psutil.wait_procs([p for p in family if p.is_running()], timeout=wait)
        try: proc.wait(timeout=wait)
        except subprocess.TimeoutExpired: pass
        if proc.poll() is not None and not alive: return


@pytest.fixture
def lab(tmp_path):
    "JupyterLab started by tools/lab.sh on a copy of nbs/ in tmp_path: yields its URL, token and log's path."
    _need_browser()   # before starting anything
    nbs = tmp_path/'nbs'
    shutil.copytree(ROOT/'nbs', nbs, ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_proc', '_docs'))
    jup = tmp_path/'jupyter'   # JupyterLab's settings, workspaces and runtime files: here, not under $HOME
    settings = jup/'config'/'lab'/'user-settings'/'@jupyterlab'/'apputils-extension'
    settings.mkdir(parents=True)   # no "official Jupyter news?" toast over the page, no update checks
    (settings/'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false',
                                                                          'checkForUpdates': False}))
    env = os.environ | {f'JUPYTER_{k.upper()}_DIR': str(jup/k) for k in ('config', 'data', 'runtime')}
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path/'lab.log'
    cmd = ['bash', str(ROOT/'tools'/'lab.sh'), '--no-browser', f'--IdentityProvider.token={token}', '--port', str(port),
           '--ip', '127.0.0.1', '--LabApp.expose_app_in_browser=True',   # window.jupyterapp, to run commands
           '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', str(nbs)]   # first path: the root
    with open(log, 'wb') as out:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + START_S
        while True:
            assert proc.poll() is None, f'JupyterLab exited ({proc.returncode}):\n{log.read_text()[-3000:]}'
            assert time.monotonic() < deadline, f'JupyterLab not up in {START_S} s:\n{log.read_text()[-3000:]}'
            try:
                with urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=5): break
            except OSError: time.sleep(0.5)
        yield url, token, log
    finally:
        _stop(proc)


# The notebook as the page has it: the kernel's status, code cells not run yet (or running), and the errors shown
NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  let pending = 0, errors = [];
  panel.content.widgets.forEach((cell, n) => {
    if (cell.model.type !== 'code') return;
    if (cell.model.executionCount === null || cell.promptNode.textContent.includes('*')) pending += 1;
    const outs = cell.model.outputs;
    for (let i = 0; i < outs.length; i++) {
      const o = outs.get(i).toJSON();
      if (o.output_type === 'error') errors.push(`cell ${n} (${cell.model.sharedModel.getSource().slice(0, 60)}...): `
        + o.traceback.slice(-3).join('\\n'));
    }
  });
  return {status: kernel ? kernel.status : null, pending, errors};
}"""

# Marks the cell that makes lesson 3's learning-rate explorer (the lesson has another, for the ball), by its source
MARK_RATE_CELL = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets
    .filter(c => /^rate_explorer = Explorer\\(/m.test(c.model.sharedModel.getSource()));
  cells.forEach(c => c.node.setAttribute('data-digit-sgd-test', 'rate-explorer'));
  return cells.length;
}"""

# Scrolls that cell to the top of the page
SCROLL_TO_RATE_CELL = """async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const cell = notebook.widgets.find(c => c.node.getAttribute('data-digit-sgd-test') === 'rate-explorer');
  notebook.activeCellIndex = notebook.widgets.indexOf(cell);
  await notebook.scrollToCell(cell, 'start');
  notebook.mode = 'command';
}"""

# A digest of the bytes the figure shows (ipywidgets 8 gives the <img> a blob: URL made from the PNG bytes)
IMAGE_DIGEST = """async (img) => {
  const bytes = await (await fetch(img.src)).arrayBuffer();
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(d)).map(b => b.toString(16).padStart(2, '0')).join('');
}"""


def _wait(page, what, ok, timeout):
    "Poll `ok()` (a value or None) until it gives a value; fail with `what` (or `what()`) after `timeout` seconds."
    deadline = time.monotonic() + timeout
    while (v := ok()) is None:
        if time.monotonic() > deadline: pytest.fail(f'{what() if callable(what) else what}: not after {timeout} s')
        page.wait_for_timeout(250)
    return v


def _idle(page, timeout, need_all_run=False):
    "Wait for the kernel to be idle (twice in a row) and, if asked, every code cell run; fail on a cell's error."
    seen = []
    def check():
        st = page.evaluate(NOTEBOOK_STATE)
        if st and st['errors']:
            pytest.fail('the notebook shows errors:\n' + re.sub(r'\x1b\[[0-9;]*m', '', '\n'.join(st['errors'])))
        done = bool(st) and st['status'] == 'idle' and (st['pending'] == 0 or not need_all_run)
        seen.append(done)
        return st if seen[-2:] == [True, True] else None
    return _wait(page, f'kernel idle{" with every cell run" if need_all_run else ""}', check, timeout)


def _drag(page, handle, track, to_right):
    "Drag the slider handle with the mouse, past the end of its track."
    handle.scroll_into_view_if_needed()
    h, t = handle.bounding_box(), track.bounding_box()
    x0, y = h['x'] + h['width']/2, h['y'] + h['height']/2
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(t['x'] + t['width'] + 40 if to_right else t['x'] - 40, y, steps=8)
    page.mouse.up()


def test_lr_slider_drag_shows_the_regimes(lab, tmp_path, capsys):
    from playwright.sync_api import sync_playwright
    url, token, log = lab
    committed = (ROOT/'nbs'/LESSON).read_bytes()
    shots = Path(os.environ.get('DIGIT_SGD_BROWSER_SHOTS') or tmp_path/'shots')
    shots.mkdir(parents=True, exist_ok=True)
    saved, page_errors = [], []

    def shot(name, what):   # a page, or an element (the explorer, whole, however tall)
        path = shots/f'{name}.png'; what.screenshot(path=path); saved.append(path)

    browser_env = os.environ | {'HOME': str(tmp_path), 'XDG_CONFIG_HOME': str(tmp_path/'xdg-config'),
                                'XDG_CACHE_HOME': str(tmp_path/'xdg-cache')}   # Chromium writes nothing to $HOME
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=browser_env)
        try:
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            page.on('pageerror', lambda e: page_errors.append(str(e)))
            page.goto(f'{url}/lab/tree/{LESSON}?token={token}&reset', timeout=60_000)
            page.wait_for_selector('.jp-Notebook', timeout=60_000)
            _wait(page, 'window.jupyterapp', lambda: page.evaluate('() => window.jupyterapp ? 1 : null'), 60)
            _idle(page, 120)
            page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")   # more room

            # As opened: the committed outputs are text, so no widget and no widget error on the page
            assert page.evaluate(MARK_RATE_CELL) == 1, 'not one cell that starts `rate_explorer = Explorer(`'
            rate_cell, notebook = page.locator('[data-digit-sgd-test=rate-explorer]'), page.locator('.jp-Notebook')
            assert notebook.get_by_text(re.compile('Error displaying widget|model not found')).count() == 0
            assert page.locator('.digit-sgd-explorer').count() == 0
            # ... and, thanks to lab.sh's kernelspec, the lesson does not open as modified
            assert page.locator('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty').count() == 0, 'opens as modified'
            page.evaluate(SCROLL_TO_RATE_CELL); page.wait_for_timeout(1000)
            shot('opened', page)

            # Run All, then wait for every code cell to have run and the kernel to be idle
            t0 = time.monotonic()
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            _idle(page, RUN_ALL_S, need_all_run=True)
            run_all_s = time.monotonic() - t0
            assert notebook.get_by_text(re.compile('Error displaying widget|model not found')).count() == 0

            # The explorer: one in the cell that makes it, with its lr slider, figure and caption
            explorer = rate_cell.locator('.digit-sgd-explorer')
            _wait(page, 'the explorer on the page', lambda: explorer.count() or None, REDRAW_S)
            assert explorer.count() == 1, f'{explorer.count()} explorers in the cell'
            slider = explorer.locator('.widget-slider').filter(
                has=page.locator('.widget-label', has_text=re.compile(r'^\s*lr\s*$')))
            assert slider.count() == 1, 'no slider described lr in the explorer'
            handle, track = slider.locator('.noUi-handle'), slider.locator('.noUi-target')
            caption, img = explorer.locator('.digit-sgd-caption'), explorer.locator('img')
            assert caption.count() == 1 and img.count() == 1
            page.evaluate(SCROLL_TO_RATE_CELL)
            before_text, before_img = caption.text_content().strip(), img.evaluate(IMAGE_DIGEST)
            shot('before', explorer)

            def caption_starts(word):
                return lambda: t if (t := caption.text_content().strip()).startswith(word) else None
            def reads(word): return lambda: f'a caption starting "{word}" (it reads "{caption.text_content().strip()}")'

            _drag(page, handle, track, to_right=True)
            after_text = _wait(page, reads('diverging'), caption_starts('diverging'), REDRAW_S)
            after_img = _wait(page, 'a new figure', lambda: (d := img.evaluate(IMAGE_DIGEST)) != before_img and d
                              or None, REDRAW_S)
            _idle(page, REDRAW_S)
            shot('diverging', explorer)

            _drag(page, handle, track, to_right=False)
            slow_text = _wait(page, reads('too slow'), caption_starts('too slow'), REDRAW_S)
            assert _wait(page, 'a new figure', lambda: (d := img.evaluate(IMAGE_DIGEST)) != after_img and d
                         or None, REDRAW_S)
            _idle(page, REDRAW_S)
            shot('too_slow', explorer)
        except BaseException:
            try: shot('failure', page)   # what the page showed when it failed
            except Exception: pass
            with capsys.disabled(): print(f'\nbrowser test: JupyterLab\'s log is {log}')
            raise
        finally:
            browser.close()
            with capsys.disabled():
                print(f'\nbrowser test: screenshots {", ".join(map(str, saved))}')
                if page_errors: print(f'browser test: page errors: {page_errors}')
    with capsys.disabled():
        print(f'browser test: Run All took {run_all_s:.0f} s; caption before "{before_text}", after dragging right '
              f'"{after_text}", after dragging left "{slow_text}"')
    assert (ROOT/'nbs'/LESSON).read_bytes() == committed, 'the committed lesson changed'
