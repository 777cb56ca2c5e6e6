"""The card's life cycle: ``init``, ``update``, ``check`` and ``show`` as library calls.

The CLI is a thin loop over these functions. Every write is atomic and happens only after all
measuring succeeded, so a failure leaves the existing card byte-identical.

>>> import tempfile, pathlib, pyarrow as pa, pyarrow.csv as csv
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> csv.write_csv(pa.table({"x": [1, 2]}), root / "train.csv")
>>> init_card(root).card.measured.splits["train"].rows
2
>>> check_card(root)
[]
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datacard.card import Card, TextPolicy, new_card
from datacard.checks.conformance import ConformanceCheck
from datacard.datasheet import generated_answers
from datacard.digest import data_digest
from datacard.errors import CardError, UsageError
from datacard.executors import Engine, engine_scope
from datacard.fileio import atomic_write, card_lock
from datacard.findings import Finding
from datacard.license import detect_license
from datacard.logical_types import kind_of, type_name
from datacard.measured import ColumnSummary, FileSummary, Measured, SplitSummary
from datacard.readers import reader_for
from datacard.yamlio import LoadedCard, load_card, render_new_card, update_card_text

if TYPE_CHECKING:
    from datacard.profiling import Progress
    from datacard.text.options import TextOptions

CARD_NAME = "datacard.yaml"
SIDECAR_DIR = ".datacard"


@dataclass(frozen=True)
class Written:
    """A card just written, and what changed compared with the previous one."""

    path: Path
    card: Card
    changes: tuple[str, ...] = ()


def card_path(root: str | Path) -> Path:
    """Where the card of a dataset folder (or single file) lives."""
    root = Path(root)
    return (root.parent if root.is_file() else root) / CARD_NAME


def data_of(root: Path, card: Card) -> str | Path:
    """Where a card's data is read from: its ``policy.data`` URL, else the card's folder (or
    the single data file given)."""
    return card.policy.data if card.policy.data is not None else root


def data_location(root: Path) -> str | Path:
    """Where the data of the dataset at ``root`` is read from: its card's ``policy.data`` URL
    when it has a card that names one, else ``root`` itself."""
    path = card_path(root)
    if root.is_dir() and path.exists():
        return data_of(root, load_card(path).card)
    return root


def _require_root(root: str | Path) -> Path:
    path = Path(root)
    if not path.exists():
        raise UsageError(f"{path} does not exist", hint="give the dataset's folder or file")
    return path


def _measure(
    root: Path,
    splits: Mapping[str, Sequence[str]] | None,
    label: str | None,
    workers: int | None,
    progress: Progress | None,
    *,
    label_hint: bool = False,
    text: TextPolicy | None = None,
    engine: Engine = None,
    data: str | None = None,
) -> tuple[Measured, bytes]:
    """Profile the data (at ``root``, or at the card's ``data`` URL); return the measured
    summary and the sidecar's bytes. With ``label_hint`` (``init``), a label the layout implies
    (class folders) is taken when none was given."""
    from datacard.profiling import profile

    options = _text_options(root, text)
    result = profile(
        data if data is not None else root,
        splits=splits or None,
        workers=workers,
        progress=progress,
        text=options,
        engine=engine,
    )
    if label is None and label_hint:
        label = result.label_hint
    if label is not None:
        known = {c for sp in result.splits.values() for c in sp.columns}
        if label not in known:
            raise UsageError(
                f"label column '{label}' is not in the data",
                hint=f"columns: {', '.join(sorted(known)) or 'none'}",
            )
    sidecar = json.dumps(result.to_dict(), sort_keys=True, allow_nan=False).encode()
    name = f"{SIDECAR_DIR}/profile-{hashlib.sha256(sidecar).hexdigest()[:16]}.json"
    return result.measured(label=label, sidecar=name), sidecar


def _text_options(root: Path, text: TextPolicy | None) -> TextOptions | None:
    """The card's text policy as profile options; the tokenizer path is relative to the card."""
    if text is None or (text.tokenizer is None and not text.languages):
        return None
    from datacard.text.options import TextOptions

    folder = root if root.is_dir() else root.parent
    tokenizer = folder / text.tokenizer if text.tokenizer is not None else None
    return TextOptions.of(tokenizer=tokenizer, language=text.languages)


def _write(path: Path, text: str, measured: Measured, sidecar: bytes) -> None:
    """Write the sidecar, then the card; remove sidecars the card no longer references."""
    folder = path.parent
    assert measured.profile is not None
    side_path = folder / measured.profile
    side_path.parent.mkdir(exist_ok=True)
    atomic_write(side_path, sidecar)
    try:
        atomic_write(path, text)
    except OSError:
        side_path.unlink(missing_ok=True)
        raise
    for old in side_path.parent.glob("profile-*.json"):
        if old != side_path:
            old.unlink(missing_ok=True)


def init_card(
    root: str | Path,
    *,
    splits: Mapping[str, Sequence[str]] | None = None,
    label: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
    lock_timeout: float = 10.0,
    text: TextPolicy | None = None,
    engine: Engine = None,
    data: str | None = None,
) -> Written:
    """Measure ``root`` and write a new card (human part with prompts + measured part);
    ``text`` (a tokenizer, languages) is kept in the card's ``policy.text``; ``engine`` says
    where partitions run (:func:`datacard.profiling.profile`). With ``data`` (an fsspec URL),
    the data is read from there and the card is written in the folder ``root`` (created if
    needed), with the URL kept in ``policy.data``."""
    if data is not None:
        from datacard.remote import is_url

        if not is_url(data):
            raise UsageError(
                f"--data {data} is not a URL",
                hint="give a URL such as s3://bucket/path; local data goes in DIR itself",
            )
        Path(root).mkdir(parents=True, exist_ok=True)
    root = _require_root(root)
    path = card_path(root)
    if path.exists() and not force:
        raise UsageError(
            f"{path} already exists",
            hint="run 'datacard update' to re-measure, or 'init --force' to start over",
        )
    with card_lock(path, lock_timeout):
        measured, sidecar = _measure(
            root,
            splits,
            label,
            workers,
            progress,
            label_hint=True,
            text=text,
            engine=engine,
            data=data,
        )
        named = data.rstrip("/").rsplit("/", 1)[-1] if data is not None else None
        name = named or (root if root.is_dir() else root.parent).resolve().name or "dataset"
        folder = root if root.is_dir() else root.parent
        card = new_card(
            name,
            detect_license(folder),
            measured,
            label=label,
            splits={k: list(v) for k, v in (splits or {}).items()},
        )
        if text is not None:
            card.policy.text = text
        card.policy.data = data
        _write(path, render_new_card(card), measured, sidecar)
    return Written(path, card)


def open_card(root: str | Path) -> LoadedCard:
    """Load the card of a dataset folder, with a clear error when there is none."""
    path = card_path(_require_root(root))
    if not path.exists():
        raise CardError(
            f"no {CARD_NAME} in {path.parent}", hint=f"create one with: datacard init {root}"
        )
    return load_card(path)


def update_card(
    root: str | Path,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    lock_timeout: float = 10.0,
    force: bool = False,
    engine: Engine = None,
) -> Written:
    """Re-measure ``root`` and rewrite only the card's machine-owned content.

    When every file is byte-identical to the card (same paths, sizes and sha256), the card is
    left as it is (sketches such as KLL are randomised, so re-measuring would churn the
    quantiles in version control); ``force`` re-measures anyway.
    """
    root = _require_root(root)
    path = card_path(root)
    with card_lock(path, lock_timeout):
        loaded = open_card(root)
        policy = loaded.card.policy
        old = loaded.card.measured
        if not force and old is not None and _unchanged(root, loaded.card):
            return Written(path, loaded.card, ())
        measured, sidecar = _measure(
            root,
            policy.splits,
            policy.label,
            workers,
            progress,
            text=policy.text,
            engine=engine,
            data=policy.data,
        )
        if old is not None and old.audit is not None:
            # Kept: 'check' reports it as stale when the data it describes changed; the
            # values it found personal data in stay masked in what the card shows.
            from datacard.audit.redact import flagged_columns, redact_measured

            measured = measured.model_copy(update={"audit": old.audit})
            measured = redact_measured(measured, flagged_columns(old.audit))
        text = update_card_text(loaded.text, measured, generated_answers(measured), where=str(path))
        _write(path, text, measured, sidecar)
    changes = describe_changes(old, measured) or [
        "re-measured; files, splits, rows and columns as before"
    ]
    return Written(path, load_card(path).card, tuple(changes))


def _unchanged(root: Path, card: Card) -> bool:
    """Whether the data files, the label and the datacard version are as the card records."""
    from datacard import __version__

    old = card.measured
    if old is None or old.generated_by != f"datacard {__version__}":
        return False
    if old.label != card.policy.label or (old.profile and not (root / old.profile).exists()):
        return False
    if not _text_as_measured(root, card.policy.text, old):
        return False
    current = _fast_measure(data_of(root, card), card.policy.splits)
    before = sorted((f.path, f.split, f.bytes, f.sha256) for f in old.files)
    after = sorted((f.path, f.split, f.bytes, f.sha256) for f in current.files)
    return before == after


def _text_as_measured(root: Path, text: TextPolicy, measured: Measured) -> bool:
    """Whether the card's ``policy.text`` (tokenizer, languages) is what its text columns were
    measured with: a tokenizer added, changed or removed, or the language mix turned on or off,
    calls for a new measurement even when no data file changed."""
    strings = [
        c for sp in measured.splits.values() for c in sp.columns.values() if c.kind == "string"
    ]
    if not strings:
        return True
    options = _text_options(root, text)
    labels = {c.tokenizer for c in strings if c.tokenizer is not None}
    if options is None:  # plain string columns: no label, no language
        return not labels and not any(c.language is not None for c in strings)
    if labels != {options.tokenizer_label}:
        return False
    return options.language or not any(c.language is not None for c in strings)


def describe_changes(old: Measured | None, new: Measured) -> list[str]:
    """Plain-language changes between two measurements (rows, columns, files)."""
    if old is None:
        return ["measured for the first time"]
    out: list[str] = []
    before = {f.path: f for f in old.files}
    after = {f.path: f for f in new.files}
    out += [f"file added: {p}" for p in sorted(after.keys() - before.keys())]
    out += [f"file removed: {p}" for p in sorted(before.keys() - after.keys())]
    out += [
        f"file changed: {p}"
        for p in sorted(before.keys() & after.keys())
        if before[p].sha256 != after[p].sha256
    ]
    for name in sorted(old.splits.keys() | new.splits.keys()):
        a, b = old.splits.get(name), new.splits.get(name)
        if a is None or b is None:
            out.append(f"split {'added' if a is None else 'removed'}: {name}")
            continue
        if a.rows != b.rows:
            out.append(f"{name}: rows {a.rows:,} -> {b.rows:,} ({b.rows - a.rows:+,})")
        out += [f"{name}: column added: {c}" for c in b.columns if c not in a.columns]
        out += [f"{name}: column removed: {c}" for c in a.columns if c not in b.columns]
        out += [
            f"{name}: column retyped: {c} {a.columns[c].type} -> {b.columns[c].type}"
            for c in a.columns
            if c in b.columns and a.columns[c].type != b.columns[c].type
        ]
    return out


def _fast_measure(root: str | Path, splits: Mapping[str, Sequence[str]] | None) -> Measured:
    """Files (bytes, sha256) and schemas only: no full scan."""
    from datacard.layout import discover

    layout = discover(root, splits or None)
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        # data_digest: a file's size and sha256, or a media collection's total size and Merkle
        # root over its members (the same numbers profile() records)
        digests = {f.rel: pool.submit(data_digest, f) for f in layout.files}
        infos = {f.rel: reader_for(f.format).inspect(f) for f in layout.files}
        files = [
            FileSummary(
                path=f.rel,
                split=f.split,
                format=f.format,
                bytes=digests[f.rel].result()[0],
                sha256=digests[f.rel].result()[1],
                rows=infos[f.rel].rows,
            )
            for f in layout.files
        ]
    split_columns: dict[str, dict[str, ColumnSummary]] = {}
    for f in layout.files:
        columns = split_columns.setdefault(f.split, {})
        for field in infos[f.rel].schema:
            summary = ColumnSummary(
                type=type_name(field.type), kind=kind_of(field.type), count=0, nulls=0
            )
            columns.setdefault(field.name, summary)
    return Measured(
        generated_by="datacard check --fast",
        content_hash="",
        splits_from=layout.splits_from,
        files=files,
        splits={
            s: SplitSummary(rows=0, duplicate_rows=0, columns=cols)
            for s, cols in split_columns.items()
        },
    )


def check_card(
    root: str | Path,
    *,
    fast: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    engine: Engine = None,
) -> list[Finding]:
    """Findings where the data no longer matches its card (empty: all is well).

    A full check also runs the leakage and contamination checks when the card's policy
    enables them (``policy.leakage.enabled``, ``policy.contamination.benchmarks``); all of it
    on ``engine`` (one cluster for the whole check).
    """
    with engine_scope(engine, workers=workers) as shared:
        return _check(root, fast, workers, progress, shared)


def _check(
    root: str | Path, fast: bool, workers: int | None, progress: Progress | None, engine: Engine
) -> list[Finding]:
    root = _require_root(root)
    reference = open_card(root).card
    policy = reference.policy
    data = data_of(root, reference)
    sidecar = None  # a full check's profile: its collections' files as measured now
    if fast:
        current = _fast_measure(data, policy.splits)
    else:
        current, sidecar = _measure(
            root,
            policy.splits,
            None,
            workers,
            progress,
            text=policy.text,
            engine=engine,
            data=policy.data,
        )
    now = Card(name=reference.name, measured=current)
    findings = list(ConformanceCheck(fast=fast).run(now, reference))
    from datacard.checks.media import media_findings, member_findings

    # Media problems (corrupt files, bombs, GPS in EXIF) as measured now, or as the card
    # recorded them when --fast reads no pixels; changed media collections name their files.
    measured_now = reference.measured if fast else current
    if measured_now is not None:
        findings += media_findings(measured_now)
    changed = any(f.code.startswith("file.") for f in findings)
    if reference.measured is not None and changed:
        members = json.loads(sidecar).get("members", {}) if sidecar is not None else None
        findings += member_findings(root, reference, data=data, current=members)
    if reference.measured is not None:
        from datacard.audit.record import stored_findings

        measured = reference.measured
        findings += stored_findings(measured.audit, measured.content_hash, policy.audit)
    if not fast and policy.leakage.enabled:
        from datacard.checks.leakage import leakage_findings

        findings += leakage_findings(data, policy, workers=workers, engine=engine)
    if not fast and policy.contamination.benchmarks:
        from datacard.leakage.contamination import contamination_findings

        folder = root if root.is_dir() else root.parent
        findings += contamination_findings(
            folder, policy, workers=workers, engine=engine, data=policy.data
        )
    return findings


def card_json(card: Card) -> dict[str, Any]:
    """The documented, stable JSON shape of ``show --json`` (see docs/card-format.md)."""
    from datacard.compute import compute_json

    measured = card.measured
    out: dict[str, Any] = {
        "name": card.name,
        "version": card.version,
        "license": card.license,
        "summary": card.summary,
        "content_hash": measured.content_hash if measured else None,
        "splits_from": measured.splits_from if measured else None,
        "label": measured.label if measured else None,
        "files": [f.model_dump() for f in measured.files] if measured else [],
        "splits": {
            name: split.model_dump(exclude_none=True) for name, split in measured.splits.items()
        }
        if measured
        else {},
        "notes": list(measured.notes) if measured else [],
        "audit": measured.audit.model_dump(mode="json") if measured and measured.audit else None,
        "compute": compute_json(card),
    }
    return out


def card_findings(root: str | Path) -> tuple[Card, list[Finding]]:
    """The card and what a fast check finds (files, schema, required fields): for reports."""
    card = open_card(root).card
    return card, check_card(root, fast=True)


def render(root: str | Path, fmt: str) -> tuple[str | bytes, str]:
    """Render the card of ``root`` with the renderer named ``fmt``; (content, default suffix)."""
    from datacard.registry import lookup

    cls = lookup("renderers", fmt)
    card, findings = card_findings(root)
    if fmt == "html":  # the report draws the card's recorded monitoring runs
        from datacard.drift.monitoring import read_runs

        notes: list[str] = []
        runs = read_runs(card_path(root), notes)
        renderer = cls(monitoring=runs, monitoring_notes=notes)
    else:
        renderer = cls()
    return renderer.render(card, findings), str(renderer.suffix)


def import_documentation(fmt: str, source: str | Path, root: str | Path) -> Written:
    """Fill the human-owned part of ``root``'s card from a Croissant file or an HF card.

    Imported non-empty values replace the card's; everything measured is kept. Without a card,
    one is created with an empty ``measured`` (run ``datacard update`` to measure).
    """
    from datacard.registry import lookup

    source = Path(source)
    if not source.is_file():
        raise UsageError(f"{source} is not a file", hint="give the Croissant JSON or README.md")
    imported = lookup("importers", fmt)().read(source)
    root = _require_root(root)
    path = card_path(root)
    with card_lock(path):
        if path.exists():
            base = load_card(path).card.model_dump(mode="json", exclude_none=True)
        else:
            folder = root if root.is_dir() else root.parent
            base = new_card(folder.resolve().name or "dataset").model_dump(
                mode="json", exclude_none=True
            )
        merged = _merge_human(base, imported)
        try:
            card = Card.model_validate(merged)
        except ValueError as exc:
            raise CardError(
                f"the imported documentation does not fit a card: {exc}", where=str(source)
            ) from None
        atomic_write(path, render_new_card(card))
    return Written(path, card)


def _merge_human(base: dict[str, Any], imported: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``imported``'s non-empty values; datasheet answers merged per question."""
    out = dict(base)
    for key, value in imported.items():
        if key == "measured" or value in (None, "", [], {}):
            continue
        if key == "datasheet" and isinstance(value, Mapping):
            sheet = {s: dict(q) for s, q in out.get("datasheet", {}).items()}
            for section, answers in value.items():
                for qid, answer in answers.items():
                    text = answer.get("answer", "") if isinstance(answer, Mapping) else answer
                    if not text:
                        continue
                    current = dict(sheet.setdefault(section, {}).get(qid, {}))
                    current.update({"answer": text, "generated": False})
                    current.setdefault("question", qid)
                    sheet[section][qid] = current
            out["datasheet"] = sheet
        else:
            out[key] = value
    return out


def drift_report(
    card_root: str | Path,
    data: str | Path,
    *,
    split: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    engine: Engine = None,
) -> Any:
    """Compare new data (a folder, a file, or another card's folder) with a card's sketches.

    The reference is the card's sidecar (``measured.profile``); when ``data`` holds a card too,
    its sidecar is used instead of re-reading the data. Returns a
    :class:`datacard.drift.compare.DriftReport`.
    """
    from datacard.drift.compare import compare_profiles
    from datacard.drift.policy import thresholds_of
    from datacard.profiling import Profile, profile

    reference_card = open_card(card_root).card
    reference = _sidecar_profile(card_path(_require_root(card_root)), reference_card)
    from datacard.remote import is_url

    other = None if is_url(str(data)) else card_path(_require_root(data))
    if other is not None and other.exists() and other.resolve() != card_path(card_root).resolve():
        current = _sidecar_profile(other, load_card(other).card)
    else:
        current = profile(data, workers=workers, progress=progress, engine=engine)
    if len(current.splits) == 1 and reference.splits:
        # New data is usually one batch: compare it with the named split, or the split of the
        # same name, or the card's train split.
        only = next(iter(current.splits))
        fallback = "train" if "train" in reference.splits else next(iter(reference.splits))
        target = split or (only if only in reference.splits else fallback)
        if only != target:
            current = Profile(splits={target: current.splits[only]})
        split = target
    policy = reference_card.policy
    thresholds, per_column = thresholds_of(policy.drift)
    report = compare_profiles(
        reference,
        current,
        split=split,
        thresholds=thresholds,
        column_thresholds=per_column,
        important=policy.drift.important,
        label=policy.label,
    )
    known = {c for sp in reference.splits.values() for c in sp.columns}
    named = [*policy.drift.columns, *policy.drift.important]
    report.notes += [
        f"policy.drift names '{c}', which is not a column of the card"
        for c in named
        if c not in known
    ]
    return report


def _sidecar_profile(path: Path, card: Card) -> Any:
    """The sketches a card refers to, loaded from its sidecar."""
    from datacard.profiling import Profile

    measured = card.measured
    if measured is None or measured.profile is None:
        raise CardError(
            "the card has no measured profile", where=str(path), hint="run 'datacard update' first"
        )
    sidecar = path.parent / measured.profile
    if not sidecar.is_file():
        raise CardError(
            f"the card's sketches {measured.profile} are missing",
            where=str(path),
            hint="run 'datacard update --force' to measure again",
        )
    try:
        return Profile.from_dict(json.loads(sidecar.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise CardError(
            f"{measured.profile} is not a datacard profile ({exc})",
            where=str(path),
            hint="run 'datacard update --force' to measure again",
        ) from None
