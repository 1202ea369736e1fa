#!/usr/bin/env bash
# The main job: check the data, build the environment, run every lesson top to bottom (slow cells included) and print
# each model's validation accuracy and training time, plus the total. Extra arguments go to tools/run_course.py.
DIGIT_SGD_COMMAND="bash tools/course.sh${*:+ $*}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
if [ ! -f "$data_dir/mnist_sample/digit_sgd_cache.pt" ]; then
  if [ -d "$data_dir/mnist_sample" ]; then echo "Decoding the 14,434 images once into a cache"
  else echo "Downloading MNIST_SAMPLE (3 MB), then decoding its images once into a cache"; fi
  python - <<'PY' || exit 1
import sys
from digit_sgd.data import load_mnist_sample, MnistDataError
try: d = load_mnist_sample()
except MnistDataError as e: sys.exit(f"digit_sgd: {e}")
print('  ', {k: len(v) for k, v in d._asdict().items()})
PY
fi
python tools/run_course.py "$@"
