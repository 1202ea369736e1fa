#!/usr/bin/env bash
# For teachers: run a learner's lesson notebooks, each in a fresh kernel, and print one row per exercise:
# passed, failed or not attempted, with the checker's message. Usage: bash tools/grade.sh FOLDER [--slow] [--csv FILE]
if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: bash tools/grade.sh FOLDER [--jobs 2] [--slow] [--timeout 300] [--csv FILE]"
  echo "FOLDER holds a learner's notebooks (01_pixels.ipynb, 02_baseline.ipynb, ...) as they saved them."
  [ $# -lt 1 ] && exit 2 || exit 0
fi
folder="$1"; case "$folder" in /*) ;; *) folder="$PWD/$folder" ;; esac
shift
DIGIT_SGD_COMMAND="bash tools/grade.sh $folder${*:+ $*}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
python tools/grade.py "$folder" "$@"
