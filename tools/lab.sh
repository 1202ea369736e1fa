#!/usr/bin/env bash
# Open the lessons in JupyterLab, with the environment and the data that tools/course.sh uses (building them first
# if needed). Extra arguments go to `jupyter lab`; in a container, for example: bash tools/lab.sh --ip 0.0.0.0 --no-browser
# JupyterLab keeps its own settings where it always does (~/.jupyter, ~/.local/share/jupyter), so yours apply.
unset_after=""   # the Jupyter folders setup.sh points into .cache/ for batch runs; here they go back to Jupyter's own
for v in JUPYTER_CONFIG_DIR JUPYTER_DATA_DIR JUPYTER_RUNTIME_DIR; do [ -n "${!v:-}" ] || unset_after="$unset_after $v"; done
DIGIT_SGD_COMMAND="bash tools/lab.sh${*:+ $*}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
for v in $unset_after; do unset "$v"; done
# The notebooks name their kernel `python3` and nbdev_clean writes that name as its display name too. JupyterLab
# rewrites the notebook's kernelspec with the display name of the kernel it starts, which for ipykernel's own spec is
# "Python 3 (ipykernel)": every lesson would open as modified. So offer JupyterLab the same kernel (this
# environment's Python, ipykernel) under the display name the notebooks carry; it comes first on JUPYTER_PATH.
spec=$ROOT/.cache/jupyter/path/kernels/python3
mkdir -p "$spec"
python - "$spec" <<'PY'
import json, shutil, sys
from pathlib import Path
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
dest = Path(sys.argv[1])
for f in Path(RESOURCES).glob('logo-*'): shutil.copy(f, dest/f.name)
spec = get_kernel_dict() | {'display_name': 'python3'}   # the kernel ipykernel installs, with nbdev_clean's name
(dest/'kernel.json').write_text(json.dumps(spec, indent=1) + '\n')
PY
export JUPYTER_PATH=$ROOT/.cache/jupyter/path${JUPYTER_PATH:+:$JUPYTER_PATH}
root_flag=""
if [ "$(id -u)" = 0 ]; then
  echo "Running as root (as containers and many cloud machines do): adding --allow-root, without which JupyterLab refuses"
  root_flag="--allow-root"
fi
exec jupyter lab $root_flag "$@" nbs
