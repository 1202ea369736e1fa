#!/usr/bin/env bash
# For teachers: grade learners' lesson notebooks. Each learner's lessons are restored from the class edition (only the
# answer cells are the learner's), run in bubblewrap's sandbox, learners in parallel, and every verdict is computed by
# the grader itself. Prints one row per exercise: passed, failed, not attempted, not run or missing.
# Usage: bash tools/grade.sh FOLDER [FOLDER ...] [--csv FILE] [--timeout 120] [--jobs N] [--memory 4096] [--edition DIR]
# After `pip install digit_sgd`, the same command is `digit_sgd_grade`.
if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: bash tools/grade.sh FOLDER [FOLDER ...] [--csv FILE] [--timeout 120] [--jobs N] [--memory 4096] [--edition DIR]"
  echo "A FOLDER holds one learner's notebooks (01_pixels.ipynb, 02_baseline.ipynb, ...) as they saved them;"
  echo "give several, or one class folder with a folder per learner, to grade a class."
  [ $# -lt 1 ] && exit 2 || exit 0
fi
# Paths are read from the caller's folder (setup.sh moves to the project's): the folders, the CSV file, the edition.
abs() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s' "$PWD/$1" ;; esac; }
args=(); expect_value=""
for a in "$@"; do
  if [ -n "$expect_value" ]; then
    case "$expect_value" in --csv|--edition) a=$(abs "$a") ;; esac; args+=("$a"); expect_value=""; continue
  fi
  case "$a" in
    --csv|--edition|--jobs|--timeout|--memory) args+=("$a"); expect_value="$a" ;;
    --csv=*) args+=("--csv=$(abs "${a#--csv=}")") ;;
    --edition=*) args+=("--edition=$(abs "${a#--edition=}")") ;;
    -*) args+=("$a") ;;
    *) args+=("$(abs "$a")") ;;
  esac
done
DIGIT_SGD_COMMAND="bash tools/grade.sh ${args[*]}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
python -m digit_sgd.grade.cli "${args[@]}"
