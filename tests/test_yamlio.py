"""The card file is a contract with people: safe loading, precise errors, byte-exact updates."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from datacard.card import Card, Creator, ToleranceOverrides, new_card
from datacard.datasheet import generated_answers
from datacard.errors import CardError
from datacard.measured import (
    ColumnSummary,
    FileSummary,
    Histogram,
    Measured,
    SplitSummary,
    TopValue,
)
from datacard.yamlio import (
    MEASURED_MARKER,
    block,
    load_card,
    parse_card,
    quote,
    render_new_card,
    save_measured,
    scalar,
    update_card_text,
)


def make_measured(rows: int, *, label: bool = True, tag: str = "a") -> Measured:
    column = ColumnSummary(
        type="double",
        kind="numeric",
        count=rows - 3,
        nulls=3,
        min=-1.5,
        max=1e20,
        mean=0.25,
        std="nan",
        quantiles={"0.5": 0.1},
        histogram=Histogram(edges=[-1.5, 0, 1e20], counts=[1, rows - 4]),
        top=[TopValue(value=None, count=2), TopValue(value="yes", count=1)],
    )
    return Measured(
        generated_by=f"datacard test {tag}",
        content_hash=f"sha256:{tag * 8}",
        splits_from="folders",
        label="y" if label else None,
        files=[
            FileSummary(path="train/x.csv", split="train", format="csv", bytes=rows, sha256=tag)
        ],
        splits={
            "train": SplitSummary(
                rows=rows,
                duplicate_rows=rows // 10,
                columns={"x": column, f"odd: key #{tag}": column, "123": column},
                label_balance=[TopValue(value="cat", count=rows - 1), TopValue(value=1, count=1)]
                if label
                else None,
            ),
            "test": SplitSummary(rows=rows // 2, duplicate_rows=0),
        },
        notes=[f"note {tag}", "a, b: c"],
    )


OLD = make_measured(1200, tag="a")
NEW = make_measured(98765, tag="b")
CARD_TEXT = render_new_card(new_card("digits", "CC-BY-4.0", OLD))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "datacard.yaml"
    path.write_text(text, encoding="utf-8", newline="")
    return path


def card_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(CardError) as info:
        load_card(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path}{os.sep}datacard.yaml")
    return message.replace(f"{tmp_path}{os.sep}", "")


# ------------------------------------------------------------------ rendering and round trips


def test_rendered_card_loads_back_equal(tmp_path: Path) -> None:
    card = new_card("digits", "CC-BY-4.0", OLD)
    card.summary = 'Handwritten digits: "0"–"9",\nscanned. # not a comment'
    card.creators = [Creator(name="Ada Lovelace", role="author: first")]
    card.policy.columns = {"weird, col": ToleranceOverrides(mean_shift=2)}
    text = render_new_card(card)
    loaded = load_card(write(tmp_path, text))
    assert loaded.card == card
    assert loaded.text == text


def test_rendered_layout_is_human_first_and_measured_last() -> None:
    lines = CARD_TEXT.splitlines()
    assert lines[0].startswith("# ")
    assert lines.index(MEASURED_MARKER) == lines.index("measured:") - 1
    top_keys = [ln.split(":")[0] for ln in lines if re.match(r"^[a-z]", ln)]
    assert top_keys[-1] == "measured"
    assert top_keys[:2] == ["format", "name"]
    assert '      answer: "1,800 rows in total: 1,200 in train, 600 in test."' in lines
    index = lines.index('      answer: "1,800 rows in total: 1,200 in train, 600 in test."')
    assert lines[index + 1] == "      generated: true"


def test_empty_measured_renders_null() -> None:
    text = render_new_card(Card(name="x"))
    assert text.endswith(f"{MEASURED_MARKER}\nmeasured: null\n")
    assert parse_card(text).measured is None


_LOADER = YAML(typ="safe", pure=True)
_ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=300)
@given(_ANY_TEXT)
def test_scalars_and_keys_load_back_exactly(text: str) -> None:
    assert _LOADER.load(f"k: {scalar(text)}\n") == {"k": text}
    assert _LOADER.load(f"k: {quote(text)}\n") == {"k": text}
    assert _LOADER.load(f"k: [{scalar(text, flow=True)}, x]\n") == {"k": [text, "x"]}
    assert _LOADER.load("\n".join(block({text: {text: [text, 1.5]}}, 0)) + "\n") == {
        text: {text: [text, 1.5]}
    }


def test_very_long_keys_are_written_as_explicit_keys() -> None:
    key = "k" * 2000
    assert _LOADER.load("\n".join(block({key: {"a": 1}, "b": key}, 0))) == {key: {"a": 1}, "b": key}


# ------------------------------------------------------------------ refusals


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = 'name: x\na: &a ["lol", "lol"]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n'
    message = card_error(tmp_path, bomb)
    assert message.startswith("datacard.yaml:2: YAML anchor '&a' is not allowed")
    assert "datacard.yaml" in message


def test_alias_alone_is_refused(tmp_path: Path) -> None:
    message = card_error(tmp_path, "name: *x\n")
    assert "datacard.yaml:1: " in message
    assert "alias" in message


def test_python_object_tag_is_refused_before_construction(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"name: x\nsummary: !!python/object/apply:os.system ['touch {marker}']\n"
    message = card_error(tmp_path, text)
    assert message.startswith("datacard.yaml:2: YAML tag 'tag:yaml.org,2002:python/object/apply")
    assert not marker.exists()


@pytest.mark.parametrize("text", ["name: !foo x\n", "name: x\nsources: !!seq []\n"])
def test_any_explicit_tag_is_refused(tmp_path: Path, text: str) -> None:
    assert "YAML tag" in card_error(tmp_path, text)


def test_merge_key_is_refused(tmp_path: Path) -> None:
    message = card_error(tmp_path, "name: x\npolicy:\n  <<: {label: y}\n")
    assert message.startswith("datacard.yaml:3: YAML merge key")


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = 'name: x\nsummary: "ok"\nlicense: MIT\n  citation: oops: no\n'
    message = card_error(tmp_path, text)
    assert message.startswith("datacard.yaml:4: invalid YAML: ")
    assert "(fix the YAML syntax near column" in message


def test_unclosed_quote_names_a_line(tmp_path: Path) -> None:
    message = card_error(tmp_path, 'name: x\nsummary: "never closed\nlicense: MIT\n')
    assert re.match(r"datacard\.yaml:\d+: invalid YAML", message)


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    message = card_error(tmp_path, "name: x\nsummary: a\nlicense: MIT\nsummary: b\n")
    assert message == (
        "datacard.yaml:4: duplicate key 'summary' (first at line 2) (remove one of them)"
    )


def test_wrong_type_names_line_and_path(tmp_path: Path) -> None:
    text = CARD_TEXT.replace("null_fraction: 0.01", "null_fraction: lots")
    line = text.splitlines().index("    null_fraction: lots  # " + _title("null_fraction")) + 1
    message = card_error(tmp_path, text)
    assert message.startswith(
        f"datacard.yaml:{line}: policy.tolerances.null_fraction: Input should be a valid number"
    )
    assert message.endswith("(fix the value)")


def _title(field: str) -> str:
    from datacard.card import Tolerances

    return str(Tolerances.model_fields[field].title)


def test_error_in_a_list_item_names_its_index(tmp_path: Path) -> None:
    text = "name: x\ncreators:\n  - name: Ada\n  - name: Bob\n    emial: bob@example.org\n"
    message = card_error(tmp_path, text)
    assert message == ("datacard.yaml:5: creators[1].emial: unknown key (did you mean 'email'?)")


def test_misspelt_top_level_key_suggests_the_field(tmp_path: Path) -> None:
    message = card_error(tmp_path, "name: x\nsumary: hello\n")
    assert message == "datacard.yaml:2: sumary: unknown key (did you mean 'summary'?)"


def test_unknown_datasheet_section_is_an_error(tmp_path: Path) -> None:
    text = "name: x\ndatasheet:\n  motivatoin:\n    purpose: {question: q}\n"
    message = card_error(tmp_path, text)
    assert message.startswith("datacard.yaml:3: datasheet.motivatoin: Input should be")


def test_missing_field_and_bad_version(tmp_path: Path) -> None:
    assert card_error(tmp_path, "summary: hi\n") == "datacard.yaml:1: name: Field required (add it)"
    message = card_error(tmp_path, "name: x\n\nversion: 1.0\n")
    assert message.startswith("datacard.yaml:3: version: Input should be a valid string")
    message = card_error(tmp_path, 'name: x\nversion: "1.0"\n')
    assert "version: Value error, '1.0' is not a semantic version like 1.2.0" in message


def test_union_tags_are_not_part_of_the_path(tmp_path: Path) -> None:
    text = CARD_TEXT.replace("          min: -1.5\n", "          min: [1]\n", 1)
    line = text.splitlines().index("          min: [1]") + 1
    message = card_error(tmp_path, text)
    assert message.startswith(
        f"datacard.yaml:{line}: measured.splits.train.columns.x.min: Input should be a valid"
    )
    assert "more problems after this one)" in message
    message = card_error(tmp_path, "name: x\ncreators: [{name: a}, 3]\n")
    assert message.startswith("datacard.yaml:2: creators[1]: Input should be a valid dictionary")


def test_multiple_documents_are_refused(tmp_path: Path) -> None:
    message = card_error(tmp_path, "name: x\n---\nname: y\n")
    assert message.startswith("datacard.yaml:2: the card holds more than one YAML document")


def test_machine_part_errors_are_located_too(tmp_path: Path) -> None:
    text = CARD_TEXT.replace("    test:\n      rows: 600", "    test:\n      rows: many")
    lines = text.splitlines()
    message = card_error(tmp_path, text)
    assert message.startswith(
        f"datacard.yaml:{lines.index('      rows: many') + 1}: measured.splits.test.rows: "
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "datacard.yaml: the card is empty (run 'datacard init' to create one)"),
        (b"- a\n- b\n", "datacard.yaml:1: the card must be a mapping"),
        (b"name: x\nsummary: \xff\n", "datacard.yaml:2: the card is not valid UTF-8"),
        (b"name: x\nsummary: a\x07b\n", "datacard.yaml:2: character U+0007 is not allowed"),
    ],
)
def test_unusable_files(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "datacard.yaml"
    path.write_bytes(raw)
    with pytest.raises(CardError) as info:
        load_card(path)
    assert str(info.value).startswith(expected.replace("datacard.yaml", str(path)))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="no card here"):
        load_card(tmp_path / "datacard.yaml")


# ------------------------------------------------------------------ updates


def _updated(text: str, measured: Measured = NEW) -> str:
    return update_card_text(text, measured, generated_answers(measured))


def _human(text: str) -> str:
    return text[: text.rindex("\n" + MEASURED_MARKER + "\n")]


def test_update_replaces_measured_and_generated_answers_only() -> None:
    out = _updated(CARD_TEXT)
    card = parse_card(out)
    assert card.measured == NEW
    assert card.datasheet["composition"]["count"].answer == (
        "148,147 rows in total: 98,765 in train, 49,382 in test."
    )
    expected = CARD_TEXT
    for key, old in generated_answers(OLD).items():
        expected = expected.replace(quote(old), quote(generated_answers(NEW)[key]))
    assert _human(out) == _human(expected)
    assert _updated(out, OLD) == CARD_TEXT


def test_update_is_idempotent() -> None:
    once = _updated(CARD_TEXT)
    assert _updated(once) == once


def test_taken_over_answers_are_never_touched() -> None:
    count = '      answer: "1,800 rows in total: 1,200 in train, 600 in test."\n'
    text = CARD_TEXT.replace(
        count + "      generated: true\n",
        "      answer: About 2k rows.   # ours now\n",
    ).replace(
        '      answer: "2 splits: train, test (inferred from folders)."\n      generated: true\n',
        '      answer: "2 splits: train, test (inferred from folders)."\n      generated: false\n',
    )
    out = _updated(text)
    assert "      answer: About 2k rows.   # ours now\n" in out
    assert '      answer: "2 splits: train, test (inferred from folders)."\n' in out
    card = parse_card(out)
    assert card.datasheet["composition"]["count"].answer == "About 2k rows."


def test_deleted_questions_are_not_readded() -> None:
    text = re.sub(r"    missing:\n(      .*\n){3}", "", CARD_TEXT)
    out = _updated(text)
    assert "missing" not in parse_card(out).datasheet["composition"]
    assert "Columns with missing" not in _human(out)


def test_answer_without_data_is_emptied_when_label_goes_away() -> None:
    out = _updated(CARD_TEXT, make_measured(10, label=False))
    assert parse_card(out).datasheet["composition"]["labels"].answer == ""
    assert parse_card(out).datasheet["composition"]["labels"].generated


def test_unusual_generated_answer_styles_are_replaced_in_place() -> None:
    old = '      answer: "1,800 rows in total: 1,200 in train, 600 in test."\n'
    literal = CARD_TEXT.replace(old, "      answer: |\n        one\n        two\n\n")
    out = _updated(literal)
    assert '      answer: "148,147 rows in total: 98,765 in train, 49,382 in test."\n\n' in out
    empty = CARD_TEXT.replace(old, "      answer:    # to do\n")
    out = _updated(empty)
    assert (
        '      answer: "148,147 rows in total: 98,765 in train, 49,382 in test."    # to do\n'
        in out
    )
    plain = CARD_TEXT.replace(old, "      answer: several\n        lines here\n")
    out = _updated(plain)
    assert parse_card(out).datasheet["composition"]["count"].answer.startswith("148,147 rows")


def test_moved_measured_is_replaced_in_place() -> None:
    human, machine = CARD_TEXT.split(MEASURED_MARKER + "\n")
    text = f"{machine}# a human comment after measured\n\n{human}"
    out = _updated(text)
    new_machine = "\n".join(
        render_new_card(Card(name="x", measured=NEW)).split(MEASURED_MARKER + "\n")[1].splitlines()
    )
    assert out.startswith(new_machine + "\n# a human comment after measured\n\n")
    assert parse_card(out).measured == NEW


def test_missing_measured_is_appended_after_a_marker() -> None:
    text = "name: x\n# the end"
    out = _updated(text)
    assert out.startswith(f"name: x\n# the end\n\n{MEASURED_MARKER}\nmeasured:\n")
    assert parse_card(out).measured == NEW


def test_crlf_cards_keep_crlf() -> None:
    text = CARD_TEXT.replace("\n", "\r\n")
    out = _updated(text)
    assert "\n" not in out.replace("\r\n", "")
    assert parse_card(out).measured == NEW
    assert _human(out.replace("\r\n", "\n")) == _human(_updated(CARD_TEXT))


def test_update_refuses_an_unsafe_card() -> None:
    with pytest.raises(CardError, match="anchor"):
        update_card_text(CARD_TEXT.replace("name: digits", "name: &n digits"), NEW, {})


def test_save_measured_updates_the_file_in_place(tmp_path: Path) -> None:
    path = write(tmp_path, CARD_TEXT.replace('summary: ""', "summary: Digits.  # ours"))
    loaded = save_measured(path, NEW)
    assert loaded.card.measured == NEW
    assert path.read_text(encoding="utf-8") == loaded.text
    assert "summary: Digits.  # ours\n" in loaded.text
    assert load_card(path).card == loaded.card


# ------------------------------------------------------------------ the property


def _generated_spans(text: str) -> list[tuple[int, int]]:
    """Spans of answer scalars still marked generated (found independently of the updater)."""
    root = YAML(typ="safe", pure=True).compose(text)
    spans: list[tuple[int, int]] = []

    def pairs(node: Node) -> list[tuple[Node, Node]]:
        return list(node.value) if isinstance(node, MappingNode) else []

    for key, sheet in pairs(root):
        if key.value != "datasheet":
            continue
        for _, section in pairs(sheet):
            for _, q in pairs(section):
                fields = {k.value: v for k, v in pairs(q)}
                flag = fields.get("generated")
                if isinstance(flag, ScalarNode) and flag.value == "true" and "answer" in fields:
                    node = fields["answer"]
                    start = node.start_mark.index
                    raw = text[start : node.end_mark.index]
                    spans.append((start, start + len(raw.rstrip())))
    return spans


def _masked_human(text: str) -> str:
    out = text
    for start, end in sorted(_generated_spans(text), reverse=True):
        out = out[:start] + "<GENERATED>" + out[end:]
    return _human(out)


def _encode(text: str, style: str, indent: int) -> str:
    """A person's way of writing ``text`` as a YAML value (falls back to JSON quoting)."""
    pad = " " * indent
    if style == "single" and text.isprintable() and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if (
        style == "literal"
        and re.fullmatch(r"[A-Za-z0-9][^\n]*(\n[^\n]*)*", text)
        and all(line.isprintable() and line == line.rstrip() for line in text.split("\n"))
        and not text.endswith("\n")
    ):
        return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))
    if style == "plain" and re.fullmatch(r"[A-Za-z][A-Za-z0-9 ]*[A-Za-z0-9]", text):
        return text
    return _json_string(text)


def _json_string(text: str) -> str:
    """JSON quoting, with astral characters as YAML ``\\U`` escapes (YAML does not join JSON's
    surrogate pairs)."""

    def astral(match: re.Match[str]) -> str:
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"

    return re.sub(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", astral, json.dumps(text))


QUESTIONS = [
    (section, qid)
    for section, questions in parse_card(CARD_TEXT).datasheet.items()
    for qid in questions
]
_HUMAN_TEXT = st.text(st.characters(exclude_categories=("Cs", "Co", "Cn")), max_size=60) | (
    st.lists(st.text("ab: #'\"\\é", max_size=8), min_size=1, max_size=4).map("\n".join)
)
_STYLE = st.sampled_from(["json", "single", "literal", "plain"])
_COMMENT = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=30)


@st.composite
def human_edits(draw: st.DrawFn) -> tuple[str, dict[tuple[str, str], str | None]]:
    """CARD_TEXT after random human edits, and the answers the person wrote (None: kept)."""
    head, tail = CARD_TEXT.split(MEASURED_MARKER + "\n")
    units = head.split("\n")[:-1]
    written: dict[tuple[str, str], str | None] = {}

    summary = draw(_HUMAN_TEXT)
    units[units.index('summary: ""')] = "summary: " + _encode(summary, draw(_STYLE), 2)
    written[("", "summary")] = summary

    for section, qid in draw(st.lists(st.sampled_from(QUESTIONS), unique=True, max_size=6)):
        start = units.index(f"  {section}:")
        q_at = units.index(f"    {qid}:", start)
        answer_at = q_at + 2
        generated = answer_at + 1 < len(units) and units[answer_at + 1] == "      generated: true"
        action = draw(st.sampled_from(["take_over", "edit_but_keep_generated", "set_false"]))
        text = draw(_HUMAN_TEXT)
        if action == "take_over" or not generated:
            units[answer_at] = "      answer: " + _encode(text, draw(_STYLE), 8)
            if generated:
                units[answer_at + 1] = "      # generated: true  (taken over)"
            written[(section, qid)] = text
        elif action == "set_false":
            units[answer_at + 1] = "      generated: false"
            written[(section, qid)] = None
        else:
            units[answer_at] = "      answer: " + _json_string(text)

    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.integers(4, len(units)))
        extra = draw(st.sampled_from(["", "# ", "    # ", "  #"]))
        units.insert(where, extra + draw(_COMMENT) if extra else "")

    # Reorder the human top-level keys (each key with the lines under it).
    blocks: list[list[str]] = [[]]
    for unit in units[4:]:
        if re.match(r"[a-z]", unit):
            blocks.append([])
        blocks[-1].append(unit)
    order = draw(st.permutations(range(1, len(blocks))))
    reordered = units[:4] + blocks[0] + [u for i in order for u in blocks[i]]
    return "\n".join(reordered) + "\n" + MEASURED_MARKER + "\n" + tail, written


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # shrinking 300-line cards takes minutes
)
@given(human_edits())
def test_update_keeps_every_human_byte(edit: tuple[str, dict[tuple[str, str], str | None]]) -> None:
    text, written = edit
    before = parse_card(text)
    assert before.summary == written.pop(("", "summary"))
    for (section, qid), answer in written.items():
        if answer is not None:
            assert before.datasheet[section][qid].answer == answer  # type: ignore[index]

    out = update_card_text(text, NEW, generated_answers(NEW))

    assert _masked_human(out) == _masked_human(text)
    after = parse_card(out)
    assert after.measured == NEW
    fresh = generated_answers(NEW)
    for section, questions in after.datasheet.items():
        for qid, answer in questions.items():
            previous = before.datasheet[section][qid]
            if answer.generated:
                assert answer.answer == fresh.get(f"{section}.{qid}", "")
            else:
                assert answer == previous
    human_fields = set(Card.model_fields) - {"measured", "datasheet"}
    assert after.model_dump(include=human_fields) == before.model_dump(include=human_fields)
