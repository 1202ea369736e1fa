"""The browser tests run only when named: `python -m pytest tests/browser` (as tools/browser_test.sh does), never as
part of `python -m pytest tests` (the test command, tools/test.sh), which this folder would otherwise slow down by a
JupyterLab, a Chromium and a run of lesson 3."""
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    "Skip collecting this folder's tests unless a path on the command line is this folder or inside it."
    if collection_path.resolve() == Path(__file__).resolve(): return None
    start = config.invocation_params.dir
    for arg in config.args:
        p = (start/arg.split('::')[0]).resolve()
        if p == HERE or HERE in p.parents: return None
    return True
