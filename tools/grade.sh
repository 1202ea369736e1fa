#!/usr/bin/env bash
# For teachers: run learners' lesson notebooks, each in a fresh kernel, and print one row per exercise: passed,
# failed, not attempted, not run or missing, with the checker's message when something went wrong.
# Usage: bash tools/grade.sh FOLDER [FOLDER ...] [--jobs 2] [--slow] [--timeout 120] [--csv FILE]
if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: bash tools/grade.sh FOLDER [FOLDER ...] [--jobs 2] [--slow] [--timeout 120] [--csv FILE]"
  echo "A FOLDER holds one learner's notebooks (01_pixels.ipynb, 02_baseline.ipynb, ...) as they saved them;"
  echo "give several, or one class folder with a folder per learner, to grade a class."
  [ $# -lt 1 ] && exit 2 || exit 0
fi
# Paths are read from the caller's folder (setup.sh moves to the project's): the folders and the CSV file.
abs() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s' "$PWD/$1" ;; esac; }
args=(); expect_value=""
for a in "$@"; do
  if [ -n "$expect_value" ]; then
    [ "$expect_value" = "--csv" ] && a=$(abs "$a"); args+=("$a"); expect_value=""; continue
  fi
  case "$a" in
    --csv|--jobs|--timeout) args+=("$a"); expect_value="$a" ;;
    --csv=*) args+=("--csv=$(abs "${a#--csv=}")") ;;
    -*) args+=("$a") ;;
    *) args+=("$(abs "$a")") ;;
  esac
done
DIGIT_SGD_COMMAND="bash tools/grade.sh ${args[*]}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
python tools/grade.py "${args[@]}"
