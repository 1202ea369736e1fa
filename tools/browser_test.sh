#!/usr/bin/env bash
# The browser test (tests/browser/): JupyterLab, started by tools/lab.sh on a copy of nbs/, opens lesson 3 in headless
# Chromium, runs it, and the test drags the learning-rate slider. Installs what it needs when missing: Debian's
# chromium (when this runs as root with apt) and Playwright (into the course's environment, the pinned version).
# Here a missing browser is a failure, not a skip. Screenshots go to $DIGIT_SGD_BROWSER_SHOTS (.cache/browser_test).
DIGIT_SGD_COMMAND="bash tools/browser_test.sh${*:+ $*}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
t0=$SECONDS
# Chromium: Playwright drives Debian's, as no browser download is possible here
chromium=${DIGIT_SGD_CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}
if [ ! -x "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium (Debian's, for the browser test)"
  { apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 &&
    apt-get install -y -q chromium >/dev/null 2>&1; }; } || echo "  (could not install it: the browser test will fail)"
  chromium=$(command -v chromium || echo /usr/bin/chromium)
fi
[ -x "$chromium" ] || echo "No Chromium at $chromium: install Debian's chromium (apt-get install chromium)," \
                           "or point DIGIT_SGD_CHROMIUM at one" >&2
# Playwright, the version constraints.txt pins
if ! python -c 'import playwright' 2>/dev/null; then
  echo "Installing playwright into $VENV"
  python -m pip install --quiet -c constraints.txt playwright
fi
export DIGIT_SGD_CHROMIUM=$chromium DIGIT_SGD_BROWSER_TEST=required   # a missing browser fails the test
export DIGIT_SGD_BROWSER_SHOTS=${DIGIT_SGD_BROWSER_SHOTS:-$ROOT/.cache/browser_test}
rc=0; python -m pytest -q tests/browser "$@" || rc=$?   # extra arguments go to pytest (-x, -s, ...)
echo "browser test: $([ $rc = 0 ] && echo passed || echo FAILED) in $((SECONDS - t0)) s"
exit $rc
