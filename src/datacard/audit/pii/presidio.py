"""The optional Presidio backend (``pip install 'datacard[presidio]'``).

Microsoft Presidio's analyzer replaces datacard's detectors for the kinds both know (e-mail,
phone, payment card, IBAN, US SSN, IP address); scanning, masking and findings stay datacard's,
so the two backends produce the same evidence. Presidio's NER needs a spaCy English model: the
largest installed of ``en_core_web_lg``, ``_md``, ``_sm`` is used (``DATACARD_SPACY_MODEL``
names another); with none, Presidio's pattern recognizers run alone (no context words).

>>> sorted(ENTITY_KINDS.values())[:3]
['email', 'iban', 'ip-address']
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import TYPE_CHECKING, Any

from datacard.audit.pii.engine import Found
from datacard.audit.pii.mask import mask
from datacard.errors import MissingDependency

if TYPE_CHECKING:
    from datacard.audit.context import AuditContext
    from datacard.findings import Finding

#: Presidio entity -> our kind.
ENTITY_KINDS: dict[str, str] = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "payment-card",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip-address",
}
#: Presidio results below this score are dropped (Presidio's own default keeps everything).
THRESHOLD = 0.0
SPACY_MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")
_PATTERN_RECOGNIZERS = (
    "EmailRecognizer",
    "PhoneRecognizer",
    "CreditCardRecognizer",
    "IbanRecognizer",
    "UsSsnRecognizer",
    "IpRecognizer",
)
_ENGINE: _Analyzer | None = None


def require_presidio() -> None:
    """Raise :class:`MissingDependency` unless ``presidio_analyzer`` can be imported."""
    if importlib.util.find_spec("presidio_analyzer") is None:
        raise MissingDependency("presidio-analyzer", "presidio", "the Presidio PII backend")


def spacy_model() -> str | None:
    """The spaCy model Presidio will use (None: none installed)."""
    named = os.environ.get("DATACARD_SPACY_MODEL")
    if named:
        return named
    return next((m for m in SPACY_MODELS if importlib.util.find_spec(m) is not None), None)


class _Analyzer:
    """Presidio's AnalyzerEngine with a spaCy model, or its pattern recognizers alone."""

    def __init__(self) -> None:
        require_presidio()
        analyzer: Any = importlib.import_module("presidio_analyzer")
        self.model = spacy_model()
        self.engine: Any = None
        self.recognizers: list[Any] = []
        if self.model is not None:
            nlp: Any = importlib.import_module("presidio_analyzer.nlp_engine")
            config = {
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": self.model}],
            }
            provider = nlp.NlpEngineProvider(nlp_configuration=config)
            self.engine = analyzer.AnalyzerEngine(
                nlp_engine=provider.create_engine(), supported_languages=["en"]
            )
        else:
            recognizers: Any = importlib.import_module("presidio_analyzer.predefined_recognizers")
            self.recognizers = [getattr(recognizers, name)() for name in _PATTERN_RECOGNIZERS]

    def analyze(self, text: str) -> list[tuple[str, int, int, float]]:
        """``(entity, start, end, score)`` for the entities we map, character offsets."""
        if self.engine is not None:
            results = self.engine.analyze(text, language="en", entities=list(ENTITY_KINDS))
        else:
            results = [
                r
                for rec in self.recognizers
                for r in rec.analyze(text, entities=rec.supported_entities, nlp_artifacts=None)
            ]
        return [
            (str(r.entity_type), int(r.start), int(r.end), float(r.score))
            for r in results
            if r.entity_type in ENTITY_KINDS and r.score >= THRESHOLD
        ]


def analyzer() -> _Analyzer:
    """The process's Presidio analyzer (built once per worker process)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Analyzer()
    return _ENGINE


def find_presidio(buf: bytes) -> list[Found]:
    """What Presidio finds in values joined by NUL bytes, as byte-offset :class:`Found`."""
    engine = analyzer()
    out: list[Found] = []
    pos = 0
    for raw in buf.split(b"\x00"):
        if raw:
            text = raw.decode("utf-8", "replace")
            for entity, start, end, score in sorted(engine.analyze(text), key=lambda r: r[1]):
                kind = ENTITY_KINDS[entity]
                a = pos + len(text[:start].encode())
                b = a + len(text[start:end].encode())
                confidence = "high" if score >= 0.85 else "medium"
                out.append(
                    Found(
                        a,
                        b,
                        kind,
                        mask(kind, text[start:end]),
                        entity.lower(),
                        "presidio",
                        confidence,
                    )
                )
        pos += len(raw) + 1
    return out


def presidio_findings(ctx: AuditContext) -> list[Finding]:
    """:func:`datacard.audit.pii.check.pii_findings` with Presidio's recognizers."""
    from datacard.audit.pii.check import pii_findings

    return pii_findings(ctx, backend="presidio")
