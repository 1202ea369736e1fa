# Build (or reuse) the course's virtual environment with the pinned stack, then make sure the data is there.
# Sourced by tools/course.sh and tools/test.sh; safe to run again (it only reinstalls when the pins change).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${DIGIT_SGD_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}

"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "digit_sgd needs Python 3.10 or newer; $PY is $("$PY" --version). Set PYTHON=/path/to/python3.11." >&2; exit 1; }
[ -x "$VENV/bin/python" ] || { echo "Creating $VENV"; "$PY" -m venv "$VENV"; }
want=$(cat settings.ini setup.py constraints.txt | sha256sum | cut -c1-16)
stamp="$VENV/.digit_sgd-installed"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing the pinned stack into $VENV (torch, fastai, nbdev, jupyterlab; a few minutes the first time)"
  t0=$SECONDS
  "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e ".[dev]"
  echo "$want" > "$stamp"
  echo "Installed in $((SECONDS - t0)) s"
fi
export PATH="$VENV/bin:$PATH"
# nbdev's git hooks (clean notebooks on merge); only inside a git checkout
if git rev-parse --git-dir >/dev/null 2>&1 && ! git config --local --get include.path >/dev/null 2>&1; then nbdev_install_hooks >/dev/null; fi

# Data: fastai's untar_data downloads MNIST_SAMPLE into $FASTAI_HOME/data (default ~/.fastai). Offline, a local copy
# of the archive is used when one is given (DIGIT_SGD_ARCHIVE) or sits in ../shared/data.
archive=${DIGIT_SGD_ARCHIVE:-$ROOT/../shared/data/mnist_sample.tgz}
data_dir=${FASTAI_HOME:-$HOME/.fastai}/data
if [ ! -d "$data_dir/mnist_sample" ] && [ -f "$archive" ]; then
  echo "Seeding $data_dir from $archive"
  mkdir -p "$data_dir" && tar -xzf "$archive" -C "$data_dir"
fi
