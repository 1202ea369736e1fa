#!/usr/bin/env bash
# Open the lessons in JupyterLab, with the environment and the data that tools/course.sh uses (building them first
# if needed). Extra arguments go to `jupyter lab`; in a container, for example: bash tools/lab.sh --ip 0.0.0.0 --no-browser
# JupyterLab keeps its own settings where it always does (~/.jupyter, ~/.local/share/jupyter), so yours apply.
unset_after=""   # the Jupyter folders setup.sh points into .cache/ for batch runs; here they go back to Jupyter's own
for v in JUPYTER_CONFIG_DIR JUPYTER_DATA_DIR JUPYTER_RUNTIME_DIR; do [ -n "${!v:-}" ] || unset_after="$unset_after $v"; done
DIGIT_SGD_COMMAND="bash tools/lab.sh${*:+ $*}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
for v in $unset_after; do unset "$v"; done
root_flag=""
if [ "$(id -u)" = 0 ]; then
  echo "Running as root (as containers and many cloud machines do): adding --allow-root, without which JupyterLab refuses"
  root_flag="--allow-root"
fi
exec jupyter lab $root_flag "$@" nbs
