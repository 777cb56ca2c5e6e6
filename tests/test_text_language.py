"""Language mix: shares on a mixed en/de/fr/ja column, the gate, the deterministic sample."""

from __future__ import annotations

import json
import pickle
import uuid
from pathlib import Path

import pyarrow as pa

from datacard.measured import LanguageMix
from datacard.text import TextAccumulator, TextOptions
from datacard.text.language import LanguageSample, classify, detector
from test_text_support import measure, write_jsonl

SENTENCES = {
    "en": [
        "The weather was unusually warm for the middle of October this year.",
        "She opened the window and listened to the children playing outside.",
        "Our team released a new version of the library with several bug fixes.",
        "Please remember to bring your passport when you travel abroad next week.",
    ],
    "de": [
        "Das Wetter war in diesem Jahr für Mitte Oktober ungewöhnlich warm.",
        "Sie öffnete das Fenster und hörte den Kindern beim Spielen draußen zu.",
        "Unser Team hat eine neue Version der Bibliothek veröffentlicht.",
        "Bitte denken Sie daran, Ihren Reisepass mitzunehmen, wenn Sie reisen.",
    ],
    "fr": [
        "Le temps était exceptionnellement doux pour la mi-octobre cette année.",
        "Elle ouvrit la fenêtre et écouta les enfants qui jouaient dehors.",
        "Notre équipe a publié une nouvelle version de la bibliothèque.",
        "N'oubliez pas d'apporter votre passeport lorsque vous voyagerez à l'étranger.",
    ],
    "ja": [
        "今年の十月中旬は例年になく暖かい天気が続きました。",
        "彼女は窓を開けて、外で遊んでいる子供たちの声に耳を傾けた。",
        "私たちのチームは、いくつかのバグを修正したライブラリの新しいバージョンを公開しました。",
        "来週海外に旅行するときは、パスポートを忘れずに持って行ってください。",
    ],
}
LANGUAGE = TextOptions(language=True)


def _mix(acc: TextAccumulator) -> LanguageMix | None:
    mix = acc.extras().get("language")
    assert mix is None or isinstance(mix, LanguageMix)
    return mix


def test_shares_of_a_mixed_column(tmp_path: Path) -> None:
    rows = [{"text": t} for lang in ("en", "de", "fr", "ja") for t in SENTENCES[lang]]
    rows += [{"text": SENTENCES["en"][0]}] * 4 + [{"text": "ok"}, {"text": None}]  # repeats
    acc = measure(write_jsonl(tmp_path / "mixed.jsonl", rows), LANGUAGE)["text"]
    assert isinstance(acc, TextAccumulator)
    mix = _mix(acc)
    assert mix is not None
    assert mix.detector == detector() and mix.detector.startswith("py3langid ")
    assert (mix.eligible, mix.sampled, mix.values, mix.exact) == (20, 16, 20, True)
    shares = {s.language: (s.count, s.share) for s in mix.top}
    assert shares == {"en": (8, 0.4), "de": (4, 0.2), "fr": (4, 0.2), "ja": (4, 0.2)}
    assert [s.language for s in mix.top] == ["en", "de", "fr", "ja"]


def test_columns_that_are_not_prose_get_no_language() -> None:
    ids = TextAccumulator("string", LANGUAGE)
    ids.update(pa.array([str(uuid.UUID(int=i * 7919 + 13)) for i in range(50)]))
    assert ids.languages is not None and ids.languages.eligible == 50
    assert _mix(ids) is None  # long, but no words: every value is "zxx"
    categories = TextAccumulator("string", LANGUAGE)
    categories.update(pa.array(["red", "green", "blue"] * 20))
    assert _mix(categories) is None  # words, but short


def test_classify_marks_non_words_and_doubt() -> None:
    assert classify("1234 5678 9012 3456 7890") == "zxx"
    assert classify("Der Hund schläft im Garten unter dem großen Baum.") == "de"
    assert classify(SENTENCES["fr"][0] * 50) == "fr"  # only the first 500 characters count


def _sample_of(batches: list[list[str]], size: int) -> LanguageSample:
    acc = TextAccumulator("string", TextOptions(language=True, language_sample=size))
    for batch in batches:
        acc.update(pa.array(batch))
    assert acc.languages is not None
    return acc.languages


def test_the_sample_is_bounded_and_independent_of_batches() -> None:
    texts = [
        f"{s} Number {i}." for i in range(60) for s in SENTENCES["en"][:1] + SENTENCES["de"][:1]
    ]
    one = _sample_of([texts], 25)
    many = _sample_of([texts[i : i + 7] for i in range(0, len(texts), 7)], 25)
    assert one.to_dict() == many.to_dict()
    mix = one.summary()
    assert (mix.eligible, mix.sampled, mix.exact) == (120, 25, False)
    assert {s.language for s in mix.top} <= {"en", "de"}
    merged = _sample_of([texts[:50]], 25)
    merged.merge(_sample_of([texts[50:]], 25))
    assert merged.to_dict() == one.to_dict()


def test_texts_travel_to_the_main_process_but_never_into_the_sidecar() -> None:
    acc = TextAccumulator("string", LANGUAGE)
    acc.update(pa.array(SENTENCES["fr"]))
    sent = pickle.loads(pickle.dumps(acc))  # from a worker: still texts, not yet classified
    assert sent.languages is not None
    assert all(item[0] is None and item[2] for item in sent.languages.items.values())
    stored = json.dumps(sent.to_dict()["languages"], ensure_ascii=False)
    assert "fenêtre" not in stored and all(
        item[0] == "fr" and item[2] is None for item in sent.languages.items.values()
    )


def test_the_summary_shows_the_language_mix() -> None:
    acc = TextAccumulator("string", LANGUAGE)
    acc.update(pa.array(SENTENCES["de"]))
    summary = acc.summary()
    assert summary.kind == "string"
    assert summary.language is not None and summary.language == acc.extras()["language"]
