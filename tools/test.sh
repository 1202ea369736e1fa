#!/usr/bin/env bash
# The test command: every notebook under nbdev_test (cells flagged `#| slow` or `#| cuda` skipped), then the pytest
# suite. Pass --slow to include the slow cells too, or --gpu (on a machine with CUDA) for the slow and the cuda cells.
usage="tools/test.sh takes at most one argument, --slow (include the slow cells) or --gpu (the slow and the cuda cells, on a GPU)"
case "${1:-}" in
  ""|--slow|--gpu) [ $# -le 1 ] || { echo "$usage; got: $*" >&2; exit 2; } ;;
  *) echo "$usage; got: $*" >&2; exit 2 ;;
esac
DIGIT_SGD_COMMAND="bash tools/test.sh${*:+ $*}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
case "${1:-}" in --slow) flags="slow" ;; --gpu) flags="slow cuda" ;; *) flags="" ;; esac
n=$(find nbs -name '*.ipynb' -not -path '*/.*' -not -name '_*' | wc -l | tr -d ' ')   # nbs/ and its test notebooks, nbs/tests/
echo "nbdev_test: $n notebooks${flags:+ (flags: $flags)}"
t0=$SECONDS
# two notebooks at a time, one PyTorch thread each: on 2 cores, more threads only make them wait on each other
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} nbdev_test --n_workers 2 --timing ${flags:+--flags "$flags"}
echo "nbdev_test: $n notebooks passed in $((SECONDS - t0)) s"
python -m pytest -q tests
