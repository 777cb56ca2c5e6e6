"""Audio: duration, rate, channels, bit depth, clipping and silence; transcripts as text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from datacard.checks.media import media_findings
from datacard.findings import CATALOG
from datacard.layout import discover
from datacard.measured import ColumnSummary
from datacard.media.audio import audio_facts
from datacard.profiling import profile
from datacard.workflow import check_card, init_card

RATE = 16_000


def tone(seconds: float, amplitude: float = 0.5, channels: int = 1) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    wave = amplitude * np.sin(2 * np.pi * 440 * t)
    return np.stack([wave] * channels, axis=1) if channels > 1 else wave


def write(path: Path, data: np.ndarray, subtype: str = "PCM_16", rate: int = RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data, rate, subtype=subtype)
    return path


def fields(summary: ColumnSummary) -> dict[str, ColumnSummary]:
    assert summary.fields is not None
    return summary.fields


def test_wav_facts(tmp_path: Path) -> None:
    facts = audio_facts(write(tmp_path / "a.wav", tone(0.5, channels=2)))
    assert (facts["format"], facts["subtype"], facts["bit_depth"]) == ("WAV", "PCM_16", 16)
    assert (facts["sample_rate"], facts["channels"], facts["frames"]) == (RATE, 2, RATE // 2)
    assert facts["duration"] == 0.5
    assert facts["clipping"] == 0.0 and facts["silence"] == 0.0
    assert facts["peak_db"] == pytest.approx(20 * np.log10(0.5), abs=0.01)
    assert facts["rms_db"] == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.01)


def test_clipped_and_silent_clips(tmp_path: Path) -> None:
    clipped = np.clip(tone(1.0, amplitude=3.0), -1.0, 1.0)
    facts = audio_facts(write(tmp_path / "loud.flac", clipped, "PCM_24"))
    assert facts["format"] == "FLAC" and facts["bit_depth"] == 24
    expected = np.mean(np.abs(sf.read(tmp_path / "loud.flac")[0]) >= 0.999)
    assert facts["clipping"] == pytest.approx(expected) and facts["clipping"] > 0.5
    quiet = np.concatenate([np.zeros(RATE // 2), tone(0.5)])
    half = audio_facts(write(tmp_path / "half.wav", quiet))
    assert half["silence"] == pytest.approx(0.5, abs=0.02)
    silent = audio_facts(write(tmp_path / "silent.wav", np.zeros(RATE)))
    assert silent["silence"] == 1.0 and silent["peak_db"] == -100.0


def test_a_file_that_is_not_audio_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(b"RIFF" + b"\x00" * 40)
    facts = audio_facts(path)
    assert facts["problem"] == "corrupt" and facts["error"]
    assert len(facts["sha256"]) == 64


@pytest.fixture
def speech(tmp_path: Path) -> Path:
    root = tmp_path / "speech"
    write(root / "train" / "a.wav", tone(1.0))
    stereo = 0.3 * np.stack([np.sin(np.arange(44_100) / 10)] * 2, axis=1)  # 2 s at 22,050 Hz
    write(root / "train" / "b.flac", stereo, "PCM_24", rate=22_050)
    write(root / "train" / "loud.wav", np.clip(tone(1.0, amplitude=4.0), -1, 1))
    write(root / "train" / "quiet.wav", np.zeros(RATE))
    (root / "train" / "broken.wav").write_bytes(b"RIFF" + b"\x00" * 40)
    (root / "train" / "metadata.csv").write_text(
        "file_name,transcription\na.wav,hello world\nb.flac,good morning to you\nloud.wav,LOUD\n"
    )
    return root


def test_an_audio_folder_with_transcripts(speech: Path) -> None:
    (file,) = discover(speech).files
    assert (file.rel, file.format) == ("train/", "audiofolder")
    result = profile(speech, workers=1)
    train = result.splits["train"]
    assert train.rows == 5
    audio = train.columns["audio"].summary()
    assert (audio.type, audio.kind, audio.count) == ("audio", "audio", 5)
    parts = fields(audio)
    assert parts["duration"].max == 2.0 and parts["duration"].min == 1.0
    assert {t.value for t in parts["sample_rate"].top or []} == {16_000, 22_050}
    assert {t.value: t.count for t in parts["channels"].top or []} == {1: 3, 2: 1}
    assert {t.value for t in parts["bit_depth"].top or []} == {16, 24}
    assert [t.value for t in parts["clipped_files"].top or []] == ["train/loud.wav"]
    assert [t.value for t in parts["silent_files"].top or []] == ["train/quiet.wav"]
    assert [t.value for t in parts["corrupt_files"].top or []] == ["train/broken.wav"]
    text = train.columns["transcription"].summary()
    assert (text.type, text.kind, text.count, text.nulls) == ("string", "string", 3, 2)
    assert text.tokens is not None and text.tokens.max == 4
    codes = {f.code for f in media_findings(result.measured())}
    if "media.corrupt" in CATALOG:
        assert "media.corrupt" in codes


def test_audio_card_and_check(speech: Path) -> None:
    init_card(speech, workers=1)
    assert [f.code for f in check_card(speech, workers=1) if f.code.startswith("file.")] == []
    (speech / "train" / "metadata.csv").write_text("file_name,transcription\na.wav,changed\n")
    codes = {(f.code, f.where) for f in check_card(speech, fast=True)}
    assert ("file.changed", "train/") in codes  # a caption is part of the collection
