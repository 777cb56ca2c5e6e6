"""Versions in git, end to end: diff between commits, --record, history, which, bad input.

The story (one repository, built once): init (v0.1.0) → rows added, update, record (v0.2.0) →
docs written, record (v0.2.1) → a column dropped, update, record (v1.0.0) → a comment edited.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from datacard.cli import main
from datacard.versions.gitrepo import GitRepo
from datacard.workflow import init_card, update_card
from datacard.yamlio import load_card

TRAIN = "id,age,city\n1,34,Paris\n2,51,Lyon\n3,29,Paris\n4,42,Nice\n"
TEST = "id,age,city\n5,38,Lyon\n6,,Paris\n"


def git(repo: Path, *args: str, day: int = 1) -> str:
    date = f"2026-10-{day:02d}T12:00:00+00:00"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.org",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit(repo: Path, message: str, day: int) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, day=day)
    return git(repo, "rev-parse", "--short", "HEAD")


def cli(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 0
    return 0


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli(*args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def set_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@dataclass(frozen=True)
class Story:
    repo: Path
    ds: Path
    commits: dict[str, str]  # step -> short commit id
    texts: dict[str, str]  # step -> card text before its record


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    repo = tmp_path_factory.mktemp("repo")
    ds = repo / "ds"
    ds.mkdir()
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text("*.lock\n")
    (ds / "train.csv").write_text(TRAIN)
    (ds / "test.csv").write_text(TEST)
    init_card(ds, workers=1)
    commits = {"init": commit(repo, "init", 1)}
    texts = {}
    card = ds / "datacard.yaml"

    with (ds / "train.csv").open("a") as handle:
        handle.write("7,45,Lyon\n8,23,Nice\n")
    update_card(ds, workers=1)
    texts["rows"] = card.read_text()
    assert cli("diff", "--git", "HEAD", str(ds), "--record", "-m", "Two more people.") == 1
    commits["rows"] = commit(repo, "rows added", 2)

    set_text(card, 'summary: ""', "summary: People and the city they live in.")
    set_text(card, 'answer: ""', 'answer: "To test datacard."')  # motivation.purpose
    texts["docs"] = card.read_text()
    assert cli("diff", "--git", "HEAD", str(ds), "--record") == 1
    commits["docs"] = commit(repo, "docs", 3)

    (ds / "train.csv").write_text("id,city\n1,Paris\n2,Lyon\n3,Paris\n4,Nice\n7,Lyon\n8,Nice\n")
    (ds / "test.csv").write_text("id,city\n5,Lyon\n6,Paris\n")
    update_card(ds, workers=1)
    texts["drop"] = card.read_text()
    assert cli("diff", "--git", "HEAD", str(ds), "--record") == 1
    commits["drop"] = commit(repo, "drop age", 4)

    set_text(card, "# Newest first", "# The versions, newest first")
    commits["comment"] = commit(repo, "comment", 5)
    return Story(repo, ds, commits, texts)


def checkout(story: Story, step: str, where: Path) -> Path:
    """The dataset folder as committed at ``step`` (a detached worktree)."""
    git(story.repo, "worktree", "add", "-q", "--detach", str(where), story.commits[step])
    return where / "ds"


# ---------------------------------------------------------------------------------------------
# diff


@pytest.mark.parametrize(
    ("a", "b", "bump"),
    [("init", "rows", "minor"), ("rows", "docs", "patch"), ("docs", "drop", "major")],
)
def test_diff_between_commits_suggests_the_bump(
    capsys: pytest.CaptureFixture[str], story: Story, tmp_path: Path, a: str, b: str, bump: str
) -> None:
    old, new = checkout(story, a, tmp_path / a), checkout(story, b, tmp_path / b)
    code, out, err = run(capsys, "diff", str(old), str(new), "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["bump"] == bump
    assert report["old"]["kind"] == report["new"]["kind"] == "card"


def test_diff_json_shape(capsys: pytest.CaptureFixture[str], story: Story, tmp_path: Path) -> None:
    old, new = checkout(story, "init", tmp_path / "a"), checkout(story, "rows", tmp_path / "b")
    report = json.loads(run(capsys, "diff", str(old), str(new), "--json")[1])
    assert set(report) == {
        "old", "new", "changed", "bump", "version", "files", "splits", "rows", "schema",
        "statistics", "drift", "documentation", "notes", "summary", "recorded",
    }  # fmt: skip
    assert set(report["old"]) == {"source", "kind", "version", "content_hash"}
    assert report["version"] == {"old": "0.1.0", "new": "0.2.0", "suggested": "0.2.0"}
    assert report["files"] == {"added": [], "removed": [], "changed": ["train.csv"]}
    assert report["rows"] == {"test": {"old": 2, "new": 2}, "train": {"old": 4, "new": 6}}
    assert report["schema"] == {}
    codes = {f["code"] for f in report["statistics"]}
    assert "stats.range" in codes  # id 1..4 -> 1..8, beyond the old card's range
    assert {"code", "severity", "message", "where", "evidence"} <= set(report["statistics"][0])
    assert report["drift"]["train"]["verdict"] in {"stable", "drifted", "retrain"}
    # The count answer was refreshed (generated: true): not a human change.
    assert [d["field"] for d in report["documentation"]] == ["changelog"]
    assert report["summary"][:2] == ["file changed: train.csv", "train: rows 4 -> 6 (+2)"]
    assert not any("drift" in line for line in report["summary"])
    assert report["recorded"] is None


def test_diff_detects_human_changes(
    capsys: pytest.CaptureFixture[str], story: Story, tmp_path: Path
) -> None:
    old, new = checkout(story, "rows", tmp_path / "a"), checkout(story, "docs", tmp_path / "b")
    code, out, _ = run(capsys, "diff", str(old), str(new))
    assert code == 1
    assert 'summary: "" -> "People and the city they live in."' in out
    assert 'datasheet.motivation.purpose: "" -> "To test datacard."' in out
    assert "version: 0.2.0 -> 0.2.1" in out
    assert "data\n" not in out and "suggested bump: patch (0.2.0 -> 0.2.1)" in out


def test_diff_schema_break(capsys: pytest.CaptureFixture[str], story: Story) -> None:
    code, out, _ = run(capsys, "diff", "--git", story.commits["docs"], str(story.ds))
    assert code == 1
    assert "train: column removed: age" in out and "test: column removed: age" in out
    assert "suggested bump: major (0.2.1 -> 1.0.0)" in out


def test_diff_against_head_is_clean(capsys: pytest.CaptureFixture[str], story: Story) -> None:
    code, out, _ = run(capsys, "diff", "--git", "HEAD", str(story.ds))
    assert code == 0
    assert "no changes" in out and "suggested bump: none" in out
    report = json.loads(run(capsys, "diff", "--git", "HEAD", str(story.ds), "--json")[1])
    assert report["changed"] is False and report["summary"] == []


def test_diff_card_against_data(
    capsys: pytest.CaptureFixture[str], story: Story, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("train.csv", "test.csv"):
        shutil.copy(story.ds / name, data / name)
    with (data / "test.csv").open("a") as handle:
        handle.write("9,Nice\n")
    code, out, _ = run(capsys, "diff", str(story.ds), str(data), "--json")
    report = json.loads(out)
    assert code == 1 and report["new"]["kind"] == "data" and report["new"]["version"] is None
    assert report["bump"] == "minor" and report["documentation"] is None
    assert report["rows"]["test"] == {"old": 2, "new": 3}
    assert report["version"]["suggested"] == "1.1.0"
    assert "documentation not compared: NEW is data, not a card" in report["notes"]


# ---------------------------------------------------------------------------------------------
# --record, as it ran in the story


def test_record_wrote_each_version_newest_first(story: Story) -> None:
    card = load_card(story.ds / "datacard.yaml").card
    assert card.version == "1.0.0"
    assert [e.version for e in card.changelog] == ["1.0.0", "0.2.1", "0.2.0"]
    assert card.changelog[2].changes.splitlines()[:3] == [
        "Two more people.",
        "file changed: train.csv",
        "train: rows 4 -> 6 (+2)",
    ]
    assert "train: column removed: age" in card.changelog[0].changes


def test_record_changed_only_version_and_changelog(story: Story, tmp_path: Path) -> None:
    recorded = checkout(story, "rows", tmp_path / "rows") / "datacard.yaml"
    after = recorded.read_text()
    before = story.texts["rows"]
    entry = after[after.index("changelog:\n") + len("changelog:\n") : after.index("\n\npolicy:")]
    assert (
        before.replace('version: "0.1.0"', 'version: "0.2.0"').replace(
            "changelog: []", "changelog:\n" + entry
        )
        == after
    )


# ---------------------------------------------------------------------------------------------
# history


def test_history_lists_versions_newest_first(
    capsys: pytest.CaptureFixture[str], story: Story
) -> None:
    code, out, _ = run(capsys, "history", str(story.ds), "--json")
    assert code == 0
    rows = json.loads(out)["versions"]
    assert [r["version"] for r in rows] == ["1.0.0", "0.2.1", "0.2.0", "0.1.0"]
    c = story.commits
    assert [r["commit"] for r in rows] == [c["drop"], c["docs"], c["rows"], c["init"]]
    assert rows[0]["commits"] == [c["comment"], c["drop"]]  # same version and data: one row
    assert [r["date"] for r in rows] == ["2026-10-04", "2026-10-03", "2026-10-02", "2026-10-01"]
    assert [r["rows"] for r in rows] == [8, 8, 8, 6]
    assert rows[3]["splits"] == {"test": 2, "train": 4}
    assert rows[1]["content_hash"] == rows[2]["content_hash"] != rows[0]["content_hash"]
    assert not any(r["working_tree"] for r in rows)
    code, out, _ = run(capsys, "history", str(story.ds))
    lines = out.splitlines()
    assert lines[0].endswith("datacard.yaml: 4 versions")
    assert lines[2].split()[:3] == ["1.0.0", "2026-10-04", c["drop"]]
    assert lines[2].endswith("(+1 commits)")


def test_history_shows_the_working_tree_and_unreadable_cards(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = tmp_path
    git(repo, "init", "-q")
    (repo / "train.csv").write_text(TRAIN)
    init_card(repo, workers=1)
    commit(repo, "init", 1)
    card = repo / "datacard.yaml"
    good = card.read_text()
    card.write_text(good.replace("format: 2", "format: 9"))
    commit(repo, "from the future", 2)
    card.write_text("name: [broken\n")
    commit(repo, "broken", 3)
    card.write_text(good.replace('summary: ""', "summary: fixed"))
    code, out, err = run(capsys, "history", str(repo), "--json")
    assert code == 0, err
    rows = json.loads(out)["versions"]
    assert [r["working_tree"] for r in rows] == [True, False, False, False]
    assert rows[0]["version"] == "0.1.0" and rows[0]["commit"] is None
    assert rows[1]["version"] is None and "invalid YAML" in rows[1]["reason"]
    assert "written by a newer datacard" in rows[2]["reason"]
    assert rows[3]["version"] == "0.1.0"
    code, out, _ = run(capsys, "history", str(repo))
    assert "(working tree)" in out and "unreadable:" in out


# ---------------------------------------------------------------------------------------------
# which


def test_which_names_the_exact_version(
    capsys: pytest.CaptureFixture[str], story: Story, tmp_path: Path
) -> None:
    data = checkout(story, "rows", tmp_path / "rows")
    code, out, _ = run(capsys, "which", str(data), "--card", str(story.ds))
    assert code == 0
    # 0.2.1 only changed the documentation: the same data, so both versions match.
    assert out.splitlines() == [
        f"{data} is v0.2.1 (commit {story.commits['docs']}, 2026-10-03)",
        f"  also v0.2.0 (commit {story.commits['rows']}, 2026-10-02)",
    ]
    code, out, _ = run(capsys, "which", str(data), "--card", str(story.ds), "--json")
    report = json.loads(out)
    assert report["match"]["version"] == "0.2.1" and report["also"][0]["version"] == "0.2.0"
    assert report["git"] is True


def test_which_names_the_closest_versions(
    capsys: pytest.CaptureFixture[str],
    story: Story,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "restored"
    data.mkdir()
    shutil.copy(story.ds / "train.csv", data / "train.csv")
    (data / "test.csv").write_text("id,city\n5,Lyon\n6,Nice\n")
    monkeypatch.chdir(story.ds)  # --card defaults to the current folder's card
    code, out, _ = run(capsys, "which", str(data))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{data} matches no recorded version of datacard.yaml")
    assert lines[1] == (
        f"  closest: v1.0.0 (commit {story.commits['drop']}, 2026-10-04) — "
        "1 of 2 files identical; changed: test.csv"
    )
    report = json.loads(run(capsys, "which", str(data), "--json")[1])
    assert report["match"] is None
    assert [m["version"] for m in report["closest"]] == ["1.0.0", "0.2.1", "0.1.0"]


def test_which_without_git_uses_the_working_tree_card(
    capsys: pytest.CaptureFixture[str], story: Story, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(story.ds, copy)
    code, out, _ = run(capsys, "which", str(copy))
    assert code == 0
    assert "not in a git repository: compared with the working-tree card only" in out
    assert f"{copy} is v1.0.0 (the working tree)" in out
    report = json.loads(run(capsys, "which", str(copy), "--json")[1])
    assert report["git"] is False
    assert report["match"]["version"] == "1.0.0" and report["match"]["working_tree"] is True


# ---------------------------------------------------------------------------------------------
# bad input: one line on stderr, exit 2


def one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, ""), (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_bad_inputs(capsys: pytest.CaptureFixture[str], story: Story, tmp_path: Path) -> None:
    ds = str(story.ds)
    assert "unknown git revision 'v9.9.9'" in one_line_error(capsys, "diff", "--git", "v9.9.9", ds)
    assert "is not a git revision" in one_line_error(capsys, "diff", "--git", "--help=x", ds)
    plain = tmp_path / "plain"
    shutil.copytree(story.ds, plain)
    assert "not in a git repository" in one_line_error(capsys, "diff", "--git", "HEAD", str(plain))
    assert "not in a git repository" in one_line_error(capsys, "history", str(plain))
    empty = tmp_path / "empty"
    empty.mkdir()
    err = one_line_error(capsys, "diff", str(empty), ds)
    assert "neither a card nor data" in err
    (tmp_path / "notes.txt").write_text("hello")
    assert "neither a card nor data" in one_line_error(
        capsys, "diff", ds, str(tmp_path / "notes.txt")
    )
    assert "does not exist" in one_line_error(capsys, "diff", ds, str(tmp_path / "nope"))
    assert "give OLD and NEW" in one_line_error(capsys, "diff", ds)
    assert "with --git give one folder" in one_line_error(capsys, "diff", "--git", "HEAD", ds, ds)


def test_a_card_never_committed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "train.csv").write_text(TRAIN)
    init_card(tmp_path, workers=1)
    assert "was never committed" in one_line_error(capsys, "history", str(tmp_path))
    err = one_line_error(capsys, "diff", "--git", "HEAD", str(tmp_path))
    assert "unknown git revision 'HEAD'" in err  # no commit at all yet
    (tmp_path / "other.txt").write_text("x")
    git(tmp_path, "add", "other.txt")
    git(tmp_path, "commit", "-q", "-m", "other")
    err = one_line_error(capsys, "diff", "--git", "HEAD", str(tmp_path))
    assert "datacard.yaml is not in revision 'HEAD'" in err
    assert GitRepo.find(tmp_path) is not None
