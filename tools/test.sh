#!/usr/bin/env bash
# The test command: every notebook under nbdev_test (cells flagged `#| slow` skipped), then the pytest suite.
# Pass --slow to include the slow cells too.
case "${1:-}" in
  ""|--slow) [ $# -le 1 ] || { echo "tools/test.sh takes at most one argument, --slow; got: $*" >&2; exit 2; } ;;
  *) echo "tools/test.sh takes at most one argument, --slow (include the slow cells); got: $*" >&2; exit 2 ;;
esac
DIGIT_SGD_COMMAND="bash tools/test.sh${*:+ $*}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
flags=""; [ "${1:-}" = "--slow" ] && flags="slow"
n=$(ls nbs/*.ipynb | grep -v '/[_.]' | wc -l | tr -d ' ')
echo "nbdev_test: $n notebooks${flags:+ (flags: $flags)}"
t0=$SECONDS
# two notebooks at a time, one PyTorch thread each: on 2 cores, more threads only make them wait on each other
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} nbdev_test --n_workers 2 --timing ${flags:+--flags "$flags"}
echo "nbdev_test: $n notebooks passed in $((SECONDS - t0)) s"
python -m pytest -q tests
