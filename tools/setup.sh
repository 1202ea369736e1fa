# Build (or reuse) the course's virtual environment with the pinned stack, after checking (in seconds, with the plain
# system Python) that the data can be had and the disk has room. Sourced by tools/course.sh, tools/test.sh and
# tools/lab.sh; safe to run again (it only reinstalls when the pins change).
# Everything it and the lessons write stays inside the project (.venv, .fastai_home, .cache): nothing under $HOME.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# paths given relative to where you are stay relative to where you are
for v in DIGIT_SGD_ARCHIVE DIGIT_SGD_MNIST_ARCHIVE DIGIT_SGD_VENV FASTAI_HOME; do
  case "${!v:-}" in ""|/*) ;; *) export "$v=$PWD/${!v}";; esac
done
cd "$ROOT"
VENV=${DIGIT_SGD_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
command_name=${DIGIT_SGD_COMMAND:-bash tools/course.sh}

# 1. An interpreter that is Python 3.10 or newer, with the venv module
fix="Install Python 3.10 or newer (python.org, or your package manager), then run: PYTHON=/path/to/python3.11 $command_name"
if ! command -v "$PY" >/dev/null 2>&1; then
  if [ -e "$PY" ]; then what="'$PY' is not an executable program"; else what="there is no '$PY' on this machine"; fi
  echo "digit_sgd needs Python 3.10 or newer, but $what${PYTHON:+ (PYTHON=$PYTHON)}." >&2
  echo "$fix" >&2; exit 1
fi
# an interpreter's version (fails if it does not run as Python), and whether it is 3.10 or newer
py_version() { "$1" -c 'import sys; print("%d.%d.%d" % tuple(sys.version_info[:3]))' 2>/dev/null; }
py_new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; }
if ! pyver=$(py_version "$PY"); then
  why=$("$PY" -c '' 2>&1 || true); why=${why%%$'\n'*}   # its own complaint, e.g. a pyenv shim with nothing behind it
  echo "digit_sgd needs Python 3.10 or newer, but '$PY' does not run as a Python interpreter${why:+ ($why)}." >&2
  echo "$fix" >&2; exit 1
fi
if ! py_new_enough "$PY"; then
  echo "digit_sgd needs Python 3.10 or newer, but '$PY' is Python $pyver." >&2; echo "$fix" >&2; exit 1
fi
if [ -x "$VENV/bin/python" ] && ! py_new_enough "$VENV/bin/python"; then
  echo "digit_sgd needs Python 3.10 or newer, but the existing environment $VENV uses Python" \
       "$(py_version "$VENV/bin/python" || echo "(it does not run)")." >&2
  echo "Delete it (rm -rf '$VENV') and run $command_name again${PYTHON:+ (PYTHON=$PYTHON)}." >&2; exit 1
fi
if [ ! -x "$VENV/bin/python" ] && ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "digit_sgd: '$PY' (Python $pyver) cannot create virtual environments: its venv module is missing." >&2
  echo "On Debian or Ubuntu: sudo apt install python${pyver%.*}-venv ; then run $command_name again." >&2; exit 1
fi

# 2. Where things are written: inside the project unless you say otherwise
export FASTAI_HOME=${FASTAI_HOME:-$ROOT/.fastai_home}            # data (fastai's own default would be ~/.fastai)
cache=$ROOT/.cache
export MPLCONFIGDIR=${MPLCONFIGDIR:-$cache/matplotlib}            # matplotlib's font cache
export IPYTHONDIR=${IPYTHONDIR:-$cache/ipython}                   # the kernels' history and profile
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$cache/xdg}               # torch, triton and others
export JUPYTER_CONFIG_DIR=${JUPYTER_CONFIG_DIR:-$cache/jupyter/config}
export JUPYTER_DATA_DIR=${JUPYTER_DATA_DIR:-$cache/jupyter/data}
export JUPYTER_RUNTIME_DIR=${JUPYTER_RUNTIME_DIR:-$cache/jupyter/runtime}   # kernel connection files
[ -n "${PIP_CACHE_DIR:-}" ] || export PIP_NO_CACHE_DIR=1            # pip's cache would go under $HOME

# 3. The data and the disk, before anything heavy: fails in a second with what to do
echo "Checking the data and the disk"
"$PY" "$ROOT/tools/preflight.py" --command "$command_name" --venv "$VENV" || exit 1
data_dir=$FASTAI_HOME/data

# 4. The pinned stack
[ -x "$VENV/bin/python" ] || { echo "Creating $VENV"; "$PY" -m venv "$VENV"; }
want=$(cat settings.ini setup.py constraints.txt | sha256sum | cut -c1-16)
stamp="$VENV/.digit_sgd-installed"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if "$VENV/bin/python" -c 'import torch' 2>/dev/null; then size="torch is already there"
  else size="about 3.1 GB to download, 6.7 GB on disk"; fi
  echo "Installing the pinned stack into $VENV (torch, fastai, nbdev, jupyterlab; $size)"
  t0=$SECONDS
  "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e ".[dev]"
  echo "$want" > "$stamp"
  echo "Installed in $((SECONDS - t0)) s"
fi
export PATH="$VENV/bin:$PATH"

# 5. bubblewrap, the sandbox the grader runs learners' code in (Debian's `bubblewrap`): installed when this runs as
# root with apt; otherwise the grader says it runs learners' code without one
if ! command -v bwrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing bubblewrap (the grader's sandbox)"
  { apt-get install -y -q bubblewrap >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 &&
    apt-get install -y -q bubblewrap >/dev/null 2>&1; }; } || echo "  (could not install it: the grader will run without)"
fi
