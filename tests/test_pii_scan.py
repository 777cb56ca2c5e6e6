"""pii_findings on real files: planted values found in the right columns, counts and rows;
sample mode; nothing raw in any output; the Presidio backend's install hint."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datacard.audit.context import AuditContext
from datacard.audit.pii import pii_findings, presidio_findings
from datacard.card import Card
from datacard.errors import MissingDependency, UsageError
from datacard.findings import Finding, Severity

ROWS = 400
RAW = {  # every planted value: none may appear in any output
    "email": "maria.garcia@example.net",
    "phone_text": "+44 20 7946 0958",
    "card": "4111 1111 1111 1111",
    "iban": "DE89370400440532013000",
    "ssn": "536-22-8726",
    "ip": "203.0.113.77",
    "url": "postgres://admin:Zq8rT2mV9x@db.internal/app",
    "aws": "AKIA2E0A8F3B244C9986",
    "dob": "1984-11-23",
    "phone_int": "4155552671",
    "password": "Tr0ub4dor&3x",
}
TEXT_PLANTS = {  # row -> text (the rest of the rows are decoys)
    3: f"Contact {RAW['email']} about the refund",
    17: f"Call {RAW['phone_text']} after 6pm",
    40: f"paid with {RAW['card']} yesterday",
    41: f"IBAN {RAW['iban']} please",
    99: f"my SSN is {RAW['ssn']}",
    150: f"login from {RAW['ip']} blocked",
    151: f"DATABASE_URL={RAW['url']}",
    260: f"key {RAW['aws']} leaked",
    333: f"born {RAW['dob']} in Porto",
    390: f"second mail: {RAW['email']}",
}
DECOYS = [
    "version 1.2.3.4 released",
    "order #4111111111111112 shipped 2023-04-05 12:33:01",
    "ISBN 978-3-16-148410-0",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "IBAN-like DE89 3704 0044 0532 0130 01",
    "ref 4155552671",
    "created 1990-01-01",
]


def text_column() -> list[str | None]:
    out: list[str | None] = []
    for i in range(ROWS):
        if i in TEXT_PLANTS:
            out.append(TEXT_PLANTS[i])
        elif i % 37 == 0:
            out.append(None)
        else:
            out.append(DECOYS[i % len(DECOYS)] + f" ({i})")
    return out


def write_dataset(root: Path) -> None:
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    table = pa.table(
        {
            "id": pa.array(range(ROWS), pa.int64()),
            "text": pa.array(text_column(), pa.string()),
            "contact_email": pa.array(
                [f"user{i}@mail.example.com" if i % 4 == 0 else None for i in range(ROWS)]
            ),
            "mobile": pa.array(
                [int(RAW["phone_int"]) if i % 100 == 5 else None for i in range(ROWS)], pa.int64()
            ),
            "dob": pa.array(
                [dt.date(1980, 1, 1) + dt.timedelta(days=i) for i in range(ROWS)], pa.date32()
            ),
            "order_id": pa.array([str(4111111111111111 + 2 * i) for i in range(ROWS)]),
            "category": pa.array(["a", RAW["email"], "b", "c"] * (ROWS // 4)).dictionary_encode(),
            "first_name": pa.array(["x"] * ROWS),
        }
    )
    pq.write_table(table, root / "train" / "part-0.parquet", row_group_size=100)
    lines = ["comment,ip,password"]
    for i in range(50):
        ip = RAW["ip"] if i % 10 == 2 else ""
        key = RAW["password"] if i == 7 else "n/a"
        comment = f"SSN {RAW['ssn']}" if i == 30 else f"all good {i}"
        lines.append(f"{comment},{ip},{key}")
    (root / "test" / "data.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pii")
    write_dataset(root)
    return root


def ctx_of(root: Path, **options: object) -> AuditContext:
    return AuditContext(root=root, card=Card(name="pii-test"), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def findings(dataset: Path) -> list[Finding]:
    return pii_findings(ctx_of(dataset, workers=1))


def by_key(findings: list[Finding]) -> dict[tuple[str | None, str | None, str], Finding]:
    out = {}
    for f in findings:
        assert f.location is not None
        out[(f.location.split, f.location.column, f.code)] = f
    return out


def test_planted_values_in_free_text(findings: list[Finding]) -> None:
    got = by_key(findings)
    expected = {
        "pii.email": [3, 390],
        "pii.phone": [17],
        "pii.payment-card": [40],
        "pii.iban": [41],
        "pii.ssn": [99],
        "pii.ip-address": [150],
        "pii.url-credentials": [151],
        "pii.secret": [260],
        "pii.date-of-birth": [333],
    }
    text = {code: f for (split, column, code), f in got.items() if column == "text"}
    assert set(text) == set(expected)
    for code, rows in expected.items():
        f = text[code]
        assert f.location is not None and f.location.split == "train"
        assert f.evidence["count"] == len(rows), code
        assert [r["row"] for r in f.evidence["rows"]] == rows, code
        assert {r["file"] for r in f.evidence["rows"]} == {"train/part-0.parquet"}
        assert f.evidence["scanned"] == ROWS - len(range(0, ROWS, 37)) + sum(
            1 for r in TEXT_PLANTS if r % 37 == 0
        )
        assert f.evidence["fraction"] == pytest.approx(len(rows) / f.evidence["scanned"], abs=1e-6)
        assert f.evidence["confidence"] in {"high", "medium"} and f.evidence["reasons"]
    assert text["pii.payment-card"].severity is Severity.ERROR
    assert text["pii.payment-card"].evidence["examples"] == ["**** **** **** 1111"]
    assert text["pii.payment-card"].evidence["details"] == {"visa": 1}
    assert text["pii.ip-address"].evidence["examples"] == ["203.0.*.*"]
    assert text["pii.email"].location == text["pii.email"].location.__class__(
        split="train", column="text", file="train/part-0.parquet", row=3
    )


def test_named_columns(findings: list[Finding]) -> None:
    got = by_key(findings)
    email = got[("train", "contact_email", "pii.email")]
    assert email.evidence["count"] == ROWS // 4 and email.evidence["fraction"] == 1.0
    assert email.evidence["confidence"] == "high"
    assert [r["row"] for r in email.evidence["rows"]] == [0, 4, 8, 12, 16]
    mobile = got[("train", "mobile", "pii.phone")]  # integers read because of the name
    assert mobile.evidence["count"] == 4 and mobile.evidence["rows"][1]["row"] == 105
    dob = got[("train", "dob", "pii.date-of-birth")]  # a date32 column named dob
    assert dob.evidence["count"] == ROWS and dob.evidence["examples"] == ["****-**-**"]
    category = got[("train", "category", "pii.email")]  # dictionary-encoded strings
    assert category.evidence["count"] == ROWS // 4
    assert [r["row"] for r in category.evidence["rows"]] == [1, 5, 9, 13, 17]
    assert not any(column == "order_id" for _, column, _ in got)  # Luhn-valid, but order ids
    name = got[("train", "first_name", "pii.column-name")]
    assert name.severity is Severity.INFO and name.evidence["suggests"] == "personal name"


def test_csv_split(findings: list[Finding]) -> None:
    got = by_key(findings)
    ip = got[("test", "ip", "pii.ip-address")]
    assert ip.evidence["count"] == 5
    assert ip.evidence["rows"] == [{"file": "test/data.csv", "row": r} for r in (2, 12, 22, 32, 42)]
    assert ip.evidence["confidence"] == "high"  # the column is named ip
    ssn = got[("test", "comment", "pii.ssn")]
    assert ssn.evidence["rows"] == [{"file": "test/data.csv", "row": 30}]
    key = got[("test", "password", "pii.secret")]
    assert key.evidence["count"] == 1 and key.evidence["examples"] == ["********"]


def test_no_raw_value_in_any_output(
    dataset: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        found = pii_findings(ctx_of(dataset, workers=2))
    outputs = [
        str(found),
        repr(found),
        json.dumps([f.to_dict() for f in found]),
        "\n".join(f.message + f.where for f in found),
        caplog.text,
        *capsys.readouterr(),
    ]
    raw = [*RAW.values(), *(v.replace(" ", "") for v in RAW.values()), "Zq8rT2mV9x"]
    raw += [f"user{i}@mail.example.com" for i in range(0, ROWS, 4)]
    for text in outputs:
        for value in raw:
            assert value not in text
    assert found == pii_findings(ctx_of(dataset, workers=1))  # workers change nothing


def test_sample_mode_reads_at_most_n_rows_spread_over_partitions(dataset: Path) -> None:
    found = pii_findings(ctx_of(dataset, workers=1, sample=40))
    got = by_key(found)
    email = got[("train", "contact_email", "pii.email")]
    assert email.evidence["sampled"] is True
    dob = got[("train", "dob", "pii.date-of-birth")]
    assert dob.evidence["scanned"] == 40  # 4 row groups x 10 rows
    rows = [r["row"] for r in email.evidence["rows"]]
    assert rows == [0, 4, 8, 100, 104]  # the first rows of several row groups, not just one
    assert "sampled" in email.message
    test_ip = got[("test", "ip", "pii.ip-address")]
    assert test_ip.evidence["scanned"] <= 40


def test_unknown_backend(dataset: Path) -> None:
    with pytest.raises(UsageError, match="unknown PII backend"):
        pii_findings(ctx_of(dataset), backend="regex")


@pytest.mark.skipif(
    importlib.util.find_spec("presidio_analyzer") is not None, reason="presidio is installed"
)
def test_presidio_backend_needs_the_extra(dataset: Path) -> None:
    with pytest.raises(MissingDependency, match=r"pip install 'datacard\[presidio\]'"):
        presidio_findings(ctx_of(dataset))


def test_the_scan_never_imports_pandas(dataset: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from datacard.audit.context import AuditContext; "
        "from datacard.card import Card; from datacard.audit.pii import pii_findings; "
        f"pii_findings(AuditContext(root=Path({str(dataset)!r}), card=Card(name='x'), workers=1)); "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
