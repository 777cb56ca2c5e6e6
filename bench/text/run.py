"""Text corpora and chat data benchmark: profiling speed with whitespace tokens, a real
tokenizer and language identification; chat statistics against planted ground truth.

    .venv/bin/python bench/text/run.py [--quick] [--size-mb N] [--repeats N]
                                       [--cases ...] [--append [FILE]] [--render]

Makes the data (kept when it exists; fixed seed) in bench/data/text/ (git-ignored):

- `corpus/corpus.jsonl`: ~1 GB of documents `{id, source, text}` in English, German, French,
  Spanish and Japanese (made of common words of each language) plus code-like documents;
  the true language of every document is recorded;
- `slice/slice.jsonl`: the first ~256 MB of the corpus (three byte ranges: the tokenizer
  thread settings with one and two processes);
- `chat/chat.jsonl`: ~256 MB of conversations `{id, messages: [{role, content}]}` with
  planted empty turns, unexpected roles, repeated roles, missing replies and answers cut at
  1,024 characters; the exact counts are recorded;
- `tokenizer.json`: a byte-level BPE (8,000 tokens) trained here on 20 MB of the corpus
  (offline: `tokenizers` trains it, nothing is downloaded).

Each measurement is a fresh process (`run.py --child ...`, with the helpers of bench/run.py:
wall time, peak RSS of the process tree, CPU time) that runs `datacard.profiling.profile()`
on the folder with `text=TextOptions(...)` and prints what it measured. The built-in rows
remove the text factory from `columns.FACTORIES` (datacard as before the text add-ons). On a
datacard whose `profile()` takes no text options, the child wraps
`datacard.profiling.accumulator_for` so that `text_accumulator_for` is asked first.

Writes bench/text/RESULTS.md and bench/text/results.json; with --append (default file
bench/RESULTS.md) also puts the section into that file, replacing an earlier text section.
--quick: a 64 MB corpus, 32 MB of chat, one run each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import itertools
import json
import os
import platform
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT_DIR = Path(__file__).resolve().parent
BENCH_DIR = TEXT_DIR.parent
PROJECT_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data" / "text"
RESULTS_MD = TEXT_DIR / "RESULTS.md"
RESULTS_JSON = TEXT_DIR / "results.json"
SECTION_TITLE = "## Text corpora and chat data (`bench/text`)"

SEED = 20240607
CORPUS_MB = 1024
SLICE_MB = 256  # > 2 × 64 MB: JSON Lines ranges, so 2 workers get work
CHAT_MB = 256
QUICK = {"corpus": 64, "slice": 16, "chat": 32}
TOKENIZER_TRAIN_MB = 20
TRUNCATE_AT = 1024
RUN_TIMEOUT_S = 3600.0
CASES = ("corpus", "threads", "chat")


def _load_bench_run() -> Any:
    """bench/run.py as a module (its measuring helpers), loaded when first needed."""
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    from benchdata import load_bench_run

    return load_bench_run()


# --------------------------------------------------------------------------- data

WORDS = {
    "en": "the of and to in is was for that with as on by at from this have not are but be "
    "they which one all were when there can more people time about would other into only "
    "new some could these first after most also made between over well world under while "
    "many where before through great country because water children school government "
    "history small important never during always however without against something number",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als "
    "auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem "
    "über einen so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei "
    "Jahre Stadt Menschen Kinder Schule Regierung Geschichte Wasser immer zwischen während",
    "fr": "le de la les et des en un une du est que pour qui dans sur par plus pas au avec "
    "ce il sont ne se sa ses ou mais comme été elle nous tout aux leur deux même fait "
    "cette après aussi ans entre lors très sans bien pays ville enfants école gouvernement "
    "histoire eau toujours pendant cependant quelque nombre monde grande premier depuis",
    "es": "el la de que y en los del se las por un para con una su al lo como más pero sus "
    "le ya fue este ha sí porque esta entre cuando muy sin sobre también me hasta hay "
    "donde quien desde todo nos durante todos uno les ni contra otros ese eso ante ellos "
    "país ciudad niños escuela gobierno historia agua siempre mientras número mundo grande",
    "ja": "私 今日 日本 東京 学校 先生 学生 時間 会社 仕事 友達 家族 天気 電車 駅 "
    "本 新聞 映画 音楽 料理 世界 政府 歴史 子供 水 研究 問題 社会 経済 文化 "
    "は が を に で と も の から まで です ます した する ある いる なる こと もの",
}
SHARES = {"en": 0.55, "de": 0.15, "fr": 0.12, "es": 0.10, "ja": 0.05, "code": 0.03}
SOURCES = ("web", "books", "news", "forum", "wiki")
CODE_WORDS = [
    "def",
    "return",
    "if",
    "else",
    "for",
    "in",
    "range",
    "x",
    "y",
    "i",
    "j",
    "0",
    "1",
    "2",
    "42",
    "==",
    "!=",
    "+=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ";",
    "self",
    "len",
    "print",
    "import",
    "np",
    "arr",
    "idx",
    "tmp",
    "buf",
    "0x1f",
    "0xff",
    "None",
    "True",
    "False",
]


def _document(rng: Any, language: str, words: int) -> str:
    if language == "code":
        picks = rng.integers(0, len(CODE_WORDS), words)
        lines = [" ".join(CODE_WORDS[k] for k in picks[i : i + 8]) for i in range(0, words, 8)]
        return "\n".join(lines)
    vocab = WORDS[language].split()
    picks = rng.integers(0, len(vocab), words)
    sentence = 7 + int(rng.integers(0, 10))
    if language == "ja":
        parts = [
            "".join(vocab[k] for k in picks[i : i + sentence]) for i in range(0, words, sentence)
        ]
        return "。".join(parts) + "。"
    parts = [" ".join(vocab[k] for k in picks[i : i + sentence]) for i in range(0, words, sentence)]
    return ". ".join(p[:1].upper() + p[1:] for p in parts) + "."


def write_corpus(path: Path, size_mb: int, truth_path: Path) -> None:
    """Documents until ``size_mb`` MB: one language each, lognormal lengths (~1.5 KB)."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    names = list(SHARES)
    probs = np.array([SHARES[n] for n in names])
    target = size_mb << 20
    written, row = 0, 0
    counts = dict.fromkeys(names, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        while written < target:
            langs = rng.choice(len(names), 4096, p=probs)
            lengths = np.clip(rng.lognormal(5.3, 0.6, 4096), 8, 3000).astype(int)
            lines = []
            for lang_index, words in zip(langs.tolist(), lengths.tolist()):
                language = names[lang_index]
                counts[language] += 1
                doc = {
                    "id": row,
                    "source": SOURCES[row % len(SOURCES)],
                    "text": _document(rng, language, words),
                }
                lines.append(json.dumps(doc, ensure_ascii=False))
                row += 1
            block = "\n".join(lines) + "\n"
            out.write(block)
            written += len(block.encode("utf-8"))
    tmp.replace(path)
    truth_path.write_text(json.dumps({"rows": row, "languages": counts}, indent=2) + "\n")


def write_slice(corpus: Path, path: Path, size_mb: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with corpus.open("rb") as src, path.open("wb") as out:
        data = src.read(size_mb << 20)
        out.write(data[: data.rfind(b"\n") + 1])


def _sentence(rng: Any, words: int) -> str:
    vocab = WORDS["en"].split()
    text = " ".join(vocab[k] for k in rng.integers(0, len(vocab), words))
    return text[:1].upper() + text[1:] + "."


def _cut_answer(rng: Any) -> str:
    """An answer cut at exactly TRUNCATE_AT characters, inside a word."""
    while True:
        text = " ".join(_sentence(rng, 14) for _ in range(20))
        cut = text[:TRUNCATE_AT]
        if len(cut) == TRUNCATE_AT and cut[-1].isalnum() and text[TRUNCATE_AT].isalnum():
            return cut


def write_chat(path: Path, size_mb: int, truth_path: Path) -> None:
    """Conversations with planted problems; the exact counts go to ``truth_path``."""
    import numpy as np

    rng = np.random.default_rng(SEED + 1)
    target = size_mb << 20
    truth = {
        "conversations": 0,
        "turns": 0,
        "empty_turns": 0,
        "unexpected_roles": 0,
        "same_role_pairs": 0,
        "not_ending_with_reply": 0,
        "truncated_turns": 0,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    written, row = 0, 0
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        while written < target:
            lines = []
            for _ in range(2048):
                turns: list[dict[str, str]] = []
                if rng.random() < 0.3:
                    turns.append({"role": "system", "content": _sentence(rng, 12)})
                for _ in range(1 + int(rng.integers(0, 4))):
                    turns.append(
                        {"role": "user", "content": _sentence(rng, int(rng.integers(4, 40)))}
                    )
                    roll = rng.random()
                    if roll < 0.02:
                        answer = "" if rng.random() < 0.5 else "  \n"
                        truth["empty_turns"] += 1
                    elif roll < 0.03:
                        answer = _cut_answer(rng)
                        truth["truncated_turns"] += 1
                    elif roll < 0.13:  # long answers around the cap, complete
                        answer = " ".join(
                            _sentence(rng, 14) for _ in range(int(rng.integers(8, 24)))
                        )
                    else:
                        answer = _sentence(rng, int(rng.integers(5, 80)))
                    turns.append({"role": "assistant", "content": answer})
                if rng.random() < 0.01:  # the user speaks twice
                    at = 1 + 2 * int(rng.integers(0, len(turns) // 2))
                    at = min(at, len(turns) - 1)
                    turns.insert(at, {"role": turns[at]["role"], "content": _sentence(rng, 6)})
                if rng.random() < 0.03:  # no reply at the end
                    turns.pop()
                if rng.random() < 0.005:
                    turns[-1] = {"role": "bot", "content": turns[-1]["content"]}
                roles = [t["role"] for t in turns]
                truth["conversations"] += 1
                truth["turns"] += len(turns)
                truth["unexpected_roles"] += sum(r == "bot" for r in roles)
                truth["same_role_pairs"] += sum(a == b for a, b in itertools.pairwise(roles))
                truth["not_ending_with_reply"] += bool(turns) and roles[-1] != "assistant"
                lines.append(json.dumps({"id": row, "messages": turns}))
                row += 1
            block = "\n".join(lines) + "\n"
            out.write(block)
            written += len(block)
    # a popped answer may have been a planted one: recount from the file
    truth.update(_recount(tmp))
    tmp.replace(path)
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")


def _recount(path: Path) -> dict[str, int]:
    empty = truncated = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            for turn in json.loads(line)["messages"]:
                content = turn["content"]
                empty += not content.strip()
                truncated += len(content) == TRUNCATE_AT and content[-1].isalnum()
    return {"empty_turns": empty, "truncated_turns": truncated}


def train_bench_tokenizer(corpus: Path, path: Path) -> None:
    """A byte-level BPE with 8,000 tokens, trained on the corpus's first 20 MB."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    def texts() -> Any:
        with corpus.open(encoding="utf-8") as lines:
            seen = 0
            for line in lines:
                seen += len(line)
                if seen > TOKENIZER_TRAIN_MB << 20:
                    return
                yield json.loads(line)["text"]

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=8000,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    tok.train_from_iterator(texts(), trainer)
    tok.save(str(path))


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def corpus(self) -> Path:
        return self.root / "corpus" / "corpus.jsonl"

    @property
    def slice(self) -> Path:
        return self.root / "slice" / "slice.jsonl"

    @property
    def chat(self) -> Path:
        return self.root / "chat" / "chat.jsonl"

    @property
    def tokenizer(self) -> Path:
        return self.root / "tokenizer.json"

    @property
    def corpus_truth(self) -> Path:
        return self.root / "corpus_truth.json"

    @property
    def chat_truth(self) -> Path:
        return self.root / "chat_truth.json"


def make_data(paths: Paths, sizes: dict[str, int]) -> None:
    def fresh(path: Path, mb: int) -> bool:
        return path.exists() and abs(path.stat().st_size - (mb << 20)) < (mb << 20) // 10

    if not (fresh(paths.corpus, sizes["corpus"]) and paths.corpus_truth.exists()):
        print(f"writing {paths.corpus} (~{sizes['corpus']} MB)", flush=True)
        write_corpus(paths.corpus, sizes["corpus"], paths.corpus_truth)
    if not fresh(paths.slice, sizes["slice"]):
        write_slice(paths.corpus, paths.slice, sizes["slice"])
    if not (fresh(paths.chat, sizes["chat"]) and paths.chat_truth.exists()):
        print(f"writing {paths.chat} (~{sizes['chat']} MB)", flush=True)
        write_chat(paths.chat, sizes["chat"], paths.chat_truth)
    if not paths.tokenizer.exists():
        print(f"training {paths.tokenizer}", flush=True)
        train_bench_tokenizer(paths.corpus, paths.tokenizer)


# --------------------------------------------------------------------------- the child


def _install_hook(options: Any) -> str:
    """Make profile() ask the text hook first; say how (a wired profile() or a wrapper)."""
    from datacard import profiling
    from datacard.text import text_accumulator_for

    if "text" in inspect.signature(profiling.profile).parameters:
        return "profile(text=...)"
    builtin = profiling.accumulator_for

    def hooked(t: Any) -> Any:
        return text_accumulator_for(t, options) or builtin(t)

    profiling.accumulator_for = hooked  # type: ignore[assignment]
    return "bench wrapper around profiling.accumulator_for"


def _without_text_factory() -> None:
    """The baseline: datacard as before the text add-ons (no chat accumulator either)."""
    from datacard import columns

    factories = getattr(columns, "FACTORIES", None)
    if factories is not None:
        factories[:] = [f for f in factories if "text" not in getattr(f, "__name__", "")]


def child(args: argparse.Namespace) -> int:
    """One measurement: profile a folder, print what was measured as JSON."""
    if args.parallelism != "unset":
        os.environ["TOKENIZERS_PARALLELISM"] = args.parallelism
    from datacard import profiling
    from datacard.text import ChatAccumulator, TextAccumulator, TextOptions

    options = TextOptions.of(tokenizer=args.tokenizer, language=args.language)
    how = "built-in accumulators"
    kwargs: dict[str, Any] = {}
    if args.builtin:
        _without_text_factory()
    else:
        how = _install_hook(options)
        if how == "profile(text=...)":
            kwargs["text"] = options
    start = time.perf_counter()
    prof = profiling.profile(args.folder, workers=args.workers, **kwargs)
    measured = prof.measured()
    elapsed = time.perf_counter() - start
    split = prof.splits["train"]
    out: dict[str, Any] = {
        "how": how,
        "profile_s": elapsed,
        "rows": split.rows,
        "partitions": len(split.units),
    }
    for name, acc in split.columns.items():
        summary = measured.splits["train"].columns[name]
        info: dict[str, Any] = {"kind": summary.kind, "type": summary.type}
        if summary.tokens is not None:
            info["tokens"] = summary.tokens.model_dump()
        if isinstance(acc, TextAccumulator):
            extras = acc.extras()
            info["tokenizer"] = extras["tokenizer"]
            if "language" in extras:
                info["language"] = extras["language"].model_dump()
        if isinstance(acc, ChatAccumulator):
            info["chat"] = acc.chat.summary().model_dump()
        out[name] = info
    print(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- harness


@dataclass(frozen=True)
class Job:
    case: str
    name: str
    folder: Path
    workers: int
    tokenizer: bool = False
    language: bool = False
    parallelism: str = "unset"
    builtin: bool = False

    def command(self, paths: Paths) -> list[str]:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(self.folder),
            "--workers",
            str(self.workers),
            "--parallelism",
            self.parallelism,
            "--data",
            str(paths.root),
        ]
        if self.tokenizer:
            cmd += ["--tokenizer", str(paths.tokenizer)]
        if self.language:
            cmd.append("--language")
        if self.builtin:
            cmd.append("--builtin")
        return cmd


def jobs(paths: Paths, cases: list[str]) -> list[Job]:
    corpus, slice_, chat = paths.corpus.parent, paths.slice.parent, paths.chat.parent
    out: list[Job] = []
    if "corpus" in cases:
        out += [
            Job("corpus", "whitespace tokens (built-in)", corpus, 2, builtin=True),
            Job("corpus", "+ language mix", corpus, 2, language=True),
            Job("corpus", "+ BPE tokenizer", corpus, 2, tokenizer=True),
            Job(
                "corpus",
                "+ BPE tokenizer, threads forced on in workers",
                corpus,
                2,
                tokenizer=True,
                parallelism="true",
            ),
        ]
    if "threads" in cases:
        out += [
            Job("threads", "whitespace tokens (built-in), 1 process", slice_, 1, builtin=True),
            Job(
                "threads",
                "BPE, 1 process, tokenizer threads on",
                slice_,
                1,
                tokenizer=True,
                parallelism="true",
            ),
            Job(
                "threads",
                "BPE, 1 process, tokenizer threads off",
                slice_,
                1,
                tokenizer=True,
                parallelism="false",
            ),
            Job("threads", "BPE, 2 processes (threads off in workers)", slice_, 2, tokenizer=True),
            Job(
                "threads",
                "BPE, 2 processes, threads forced on",
                slice_,
                2,
                tokenizer=True,
                parallelism="true",
            ),
        ]
    if "chat" in cases:
        out += [
            Job("chat", "list accumulator (built-in)", chat, 2, builtin=True),
            Job("chat", "chat accumulator (whitespace tokens)", chat, 2),
            Job("chat", "chat accumulator + BPE tokenizer", chat, 2, tokenizer=True),
        ]
    return out


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.jsonl")) / 2**20


def run_job(br: Any, job: Job, paths: Paths, repeats: int) -> dict[str, Any]:
    env = dict(os.environ)
    if job.parallelism == "true" and job.workers > 1:
        env["DATACARD_BENCH_FORCE_THREADS"] = "1"
    size = _folder_mb(job.folder)
    record: dict[str, Any] = {"case": job.case, "name": job.name, "mb": round(size, 1), "runs": []}
    out_path = DATA_DIR / "out" / f"{job.case}-{abs(hash(job.name)) % 10**8}.json"
    for i in range(repeats):
        run = br.run_once(
            job.command(paths), env, RUN_TIMEOUT_S, stdout_path=out_path, stderr_lines=6
        )
        shown = f"{run.wall_s:8.2f} s {run.peak_rss_mb:7.0f} MB cpu {run.cpu_s:7.1f} s"
        print(f"  {job.name:<48} run {i + 1}: {shown} rc={run.returncode}", flush=True)
        entry = {
            "wall_s": run.wall_s,
            "cpu_s": run.cpu_s,
            "peak_rss_mb": run.peak_rss_mb,
            "load_1m": run.load_1m,
            "returncode": run.returncode,
        }
        if run.returncode != 0:
            record["error"] = run.stderr_tail.strip().splitlines()[-1:] or ["(no stderr)"]
            print(f"    {run.stderr_tail}", flush=True)
            record["runs"].append(entry)
            break
        measured = json.loads(out_path.read_text())
        entry["profile_s"] = measured.pop("profile_s")
        record["measured"] = measured
        record["runs"].append(entry)
    ok = [r for r in record["runs"] if r["returncode"] == 0]
    if ok:
        walls = sorted(r["wall_s"] for r in ok)
        record["median_wall_s"] = walls[len(walls) // 2]
        record["mb_per_s"] = size / record["median_wall_s"]
        record["median_cpu_s"] = sorted(r["cpu_s"] for r in ok)[len(ok) // 2]
        record["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
    return record


def score(report: dict[str, Any], paths: Paths) -> dict[str, Any]:
    """Language shares against the corpus's truth; chat counts against the planted truth."""
    out: dict[str, Any] = {}
    if paths.corpus_truth.exists():
        truth = json.loads(paths.corpus_truth.read_text())
        total = sum(truth["languages"].values())
        shares = {k: v / total for k, v in truth["languages"].items()}
        for rec in report["jobs"]:
            mix = rec.get("measured", {}).get("text", {}).get("language")
            if rec["case"] == "corpus" and mix:
                got = {s["language"]: s["share"] for s in mix["top"]}
                got["code"] = got.pop("zxx", 0.0)
                out["language"] = {
                    "truth": shares,
                    "measured": got,
                    "max_abs_error": max(abs(got.get(k, 0.0) - v) for k, v in shares.items()),
                    "sampled": mix["sampled"],
                    "eligible": mix["eligible"],
                }
                break
    if paths.chat_truth.exists():
        truth = json.loads(paths.chat_truth.read_text())
        for rec in report["jobs"]:
            chat = rec.get("measured", {}).get("messages", {}).get("chat")
            if rec["case"] == "chat" and chat:
                got = {
                    "conversations": chat["conversations"],
                    "turns": chat["turns"]["total"],
                    "empty_turns": chat["empty_turns"],
                    "unexpected_roles": chat["unexpected_roles"],
                    "same_role_pairs": chat["same_role_pairs"],
                    "not_ending_with_reply": chat["not_ending_with_reply"],
                    "truncated_turns": chat["truncated_turns"],
                }
                out["chat"] = {
                    "truth": truth,
                    "measured": got,
                    "caps": chat["truncation_caps"],
                    "exact": all(got[k] == truth[k] for k in got),
                }
                break
    return out


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def render_section(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        SECTION_TITLE,
        "",
        f"Run {m['date_utc']} UTC on {m['nproc']} cores ({m['cpu_model']}), Python "
        f"{m['python']}, tokenizers {m['tokenizers']}, py3langid {m['py3langid']}, "
        f"git {m['git']}. Load average at start: {m['load_at_start']}.",
        f"Text hook: {report.get('how', 'n/a')}.",
        "",
        "| case | measurement | MB | parts | wall s | MB/s | CPU s | MB/CPU s | peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rec in report["jobs"]:
        if "error" in rec:
            lines.append(
                f"| {rec['case']} | {rec['name']} | {rec['mb']} | | n/a | | | | "
                f"{' '.join(rec['error'])} |"
            )
            continue
        cpu = rec.get("median_cpu_s")
        lines.append(
            f"| {rec['case']} | {rec['name']} | {rec['mb']:,.0f} | "
            f"{rec.get('measured', {}).get('partitions', 'n/a')} | "
            f"{_fmt(rec.get('median_wall_s'))} | {_fmt(rec.get('mb_per_s'))} | "
            f"{_fmt(cpu)} | {_fmt(rec['mb'] / cpu if cpu else None)} | "
            f"{_fmt(rec.get('peak_rss_mb'), 0)} |"
        )
    dates = {rec.get("date_utc", m["date_utc"]) for rec in report["jobs"]} - {m["date_utc"]}
    for date in sorted(dates):
        cases = sorted({rec["case"] for rec in report["jobs"] if rec.get("date_utc") == date})
        lines += ["", f"Case(s) {', '.join(cases)} were measured at {date} UTC (an earlier run)."]
    loads = [r["load_1m"] for rec in report["jobs"] for r in rec["runs"]]
    if loads:
        lines += [
            "",
            f"1-minute load average before the runs: {min(loads):.2f}–{max(loads):.2f} on "
            f"{m['nproc']} cores"
            + (
                " (other work competed for the CPUs: wall times are inflated)."
                if max(loads) > 1.0
                else "."
            ),
        ]
    s = report.get("scores", {})
    if "language" in s:
        lang = s["language"]
        shown = ", ".join(
            f"{k} {lang['truth'][k]:.1%} → {lang['measured'].get(k, 0.0):.1%}"
            for k in lang["truth"]
        )
        lines += [
            "",
            f"Language mix of `text` (true → measured; `code` = `zxx`): {shown}. Largest error "
            f"{lang['max_abs_error']:.1%} with {lang['sampled']:,} values classified out of "
            f"{lang['eligible']:,}.",
        ]
    if "chat" in s:
        chat = s["chat"]
        rows = ", ".join(
            f"{k.replace('_', ' ')} {chat['measured'][k]:,}"
            + ("" if chat["measured"][k] == chat["truth"][k] else f" (truth {chat['truth'][k]:,})")
            for k in chat["measured"]
        )
        caps = "; ".join(
            f"{c['role']} at {c['length']} {c['unit']} ({c['turns']})" for c in chat["caps"]
        )
        lines += [
            "",
            f"Chat counts against the planted truth "
            f"({'all exact' if chat['exact'] else 'NOT exact'}): {rows}. "
            f"Truncation caps found: {caps or 'none'}.",
        ]
    lines += [
        "",
        "Tokenizer threads: datacard's fork workers run the tokenizer without its own threads "
        "(`TOKENIZERS_PARALLELISM=false`), the main process with them; the `threads` rows "
        "compare the alternatives (with few, uneven partitions the last one runs alone, "
        "where the library's threads would help).",
        "",
        "Each row is a fresh process running `profile()` on the folder (imports, reading "
        "the JSON Lines in 64 MB byte ranges, sketches, the sha256 of the files). The "
        "tokenizer is a byte-level BPE with 8,000 tokens trained on the corpus; token counts "
        "are exact for every value, the language mix is a bottom-1,000 sample per column "
        "(docs/text.md).",
    ]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], append: Path | None) -> None:
    section = render_section(report)
    RESULTS_JSON.write_text(json.dumps(report, indent=2) + "\n")
    RESULTS_MD.write_text(
        "# Text benchmark results\n\nRewritten by every run of `bench/text/run.py`.\n\n" + section
    )
    if append is not None:
        _load_bench_run().replace_section(append, section, SECTION_TITLE)


def machine() -> dict[str, Any]:
    from importlib import metadata

    br = _load_bench_run()
    facts = br.machine_facts()
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": facts["nproc"],
        "cpu_model": facts["cpu_model"],
        "python": platform.python_version(),
        "tokenizers": metadata.version("tokenizers"),
        "py3langid": metadata.version("py3langid"),
        "git": facts["git_revision"],
        "load_at_start": facts["load_at_start"],
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="datacard text benchmark")
    parser.add_argument("--quick", action="store_true", help="small data, one run each")
    parser.add_argument("--repeats", type=int, default=1, help="runs per measurement")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--data", type=Path, help="data folder (default bench/data/text)")
    _load_bench_run().section_options(parser, "text")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--parallelism", default="unset", help=argparse.SUPPRESS)
    parser.add_argument("--tokenizer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--language", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--builtin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.data is None:
        args.data = DATA_DIR / "quick" if args.quick else DATA_DIR
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        args.folder = args.child
        if os.environ.get("DATACARD_BENCH_FORCE_THREADS"):
            _force_threads_in_workers()
        return child(args)
    br = _load_bench_run()
    signal.signal(signal.SIGTERM, br._exit_on_sigterm)
    if args.render:
        write_report(json.loads(RESULTS_JSON.read_text()), args.append)
        print(f"rewrote {RESULTS_MD.relative_to(PROJECT_DIR)} from {RESULTS_JSON.name}")
        return 0
    paths = Paths(args.data)
    sizes = QUICK if args.quick else {"corpus": CORPUS_MB, "slice": SLICE_MB, "chat": CHAT_MB}
    make_data(paths, sizes)
    (DATA_DIR / "out").mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine(), "quick": args.quick, "jobs": []}
    fresh: list[dict[str, Any]] = []
    for job in jobs(paths, args.cases):
        br.warm_cache(sorted(job.folder.glob("*.jsonl")))
        record = run_job(br, job, paths, args.repeats)
        record["date_utc"] = report["machine"]["date_utc"]
        fresh.append(record)
        how = record.get("measured", {}).get("how")
        if how and how != "built-in accumulators":
            report["how"] = how
    report["jobs"] = _with_earlier_cases(fresh, args)
    report["scores"] = score(report, paths)
    write_report(report, args.append)
    print(f"wrote {RESULTS_MD.relative_to(PROJECT_DIR)}, {RESULTS_JSON.relative_to(PROJECT_DIR)}")
    if args.append is not None:
        print(f"put the section into {args.append}")
    return 0


def _with_earlier_cases(
    fresh: list[dict[str, Any]], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """This run's jobs, plus those of the cases not run now from the last results.json."""
    earlier: list[dict[str, Any]] = []
    if RESULTS_JSON.exists():
        last = json.loads(RESULTS_JSON.read_text())
        if last.get("quick") == args.quick:
            earlier = [j for j in last["jobs"] if j["case"] not in args.cases]
    jobs_ = earlier + fresh
    return sorted(jobs_, key=lambda j: CASES.index(j["case"]))  # stable: job order kept


def _force_threads_in_workers() -> None:
    """For one measurement only: keep the tokenizer's threads on in forked workers too."""
    from datacard.text import tokenizer

    original = tokenizer._configure_threads

    def keep_on() -> None:
        original()
        os.environ["TOKENIZERS_PARALLELISM"] = "true"

    tokenizer._configure_threads = keep_on  # type: ignore[assignment]


if __name__ == "__main__":
    sys.exit(main())
