#!/usr/bin/env bash
# Trains the reader from scratch and writes models/verbatim-reader-minilm-l6 (what the product ships).
# Needs Python 3.11 and ../shared (SQuAD public half, BBC). About 65 minutes on 2 idle Intel Xeon cores (three passes
# over 39k pairs; `--epochs 2`: 45); about 3 h 10 min estimated on a 2-core AVX2-only AMD EPYC (10 pairs/s
# instead of 29 in a one-off timing; no full run there). That machine is compute-bound, not misconfigured (one-off
# probes, 2026-12-01): MKL's sgemm reaches about 65 GFLOPS on its two cores whatever MKL_* / OMP_* settings say;
# eager attention 10.0 pairs/s vs SDPA 9.2; torch.compile 8.4. Under an hour there needs about a third of the compute:
# fewer passes, or the lower layers frozen (2 of 6: 13.3 pairs/s; 3 of 6: 15.6, and their outputs could then be
# computed once for all passes). That is a new recipe whose quality must be measured, not a setting.
#   npm run train-reader            # or: training/train.sh [extra train.py flags]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${READER_VENV:-training/.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r training/requirements.txt
fi
npx tsx training/prepare.ts --shared "${SHARED_DIR:-../shared}" --out training/data
"$venv/bin/python" training/train.py --data training/data --out models/verbatim-reader-minilm-l6 "$@"
