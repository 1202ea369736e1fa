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
# The notebooks (two at a time, one PyTorch thread each) and the pytest suite run side by side: pytest's grader tests
# spend much of their time waiting on budgets and kernels, so together they fill the two cores that each leaves idle.
log=$(mktemp)
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} nbdev_test --n_workers 2 --timing ${flags:+--flags "$flags"} >"$log" 2>&1 &
nbdev_pid=$!
py_rc=0; python -m pytest -q tests || py_rc=$?
echo "pytest: $([ $py_rc = 0 ] && echo passed || echo FAILED) in $((SECONDS - t0)) s"
nb_rc=0; wait $nbdev_pid || nb_rc=$?
cat "$log"; rm -f "$log"
echo "nbdev_test: $n notebooks $([ $nb_rc = 0 ] && echo passed || echo FAILED); the test command took $SECONDS s in all"
[ $py_rc = 0 ] && [ $nb_rc = 0 ]
