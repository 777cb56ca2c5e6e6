"""Read a card's past from git: the repository, a file at a revision, the commits touching it.

A thin wrapper over the ``git`` command (no library); every failure is one
:class:`~datacard.errors.UsageError` line. Revisions are resolved to full commit ids before
anything else runs, and a revision starting with ``-`` is refused, so user input is never read
as an option.

>>> import pathlib, tempfile
>>> GitRepo.find(pathlib.Path(tempfile.mkdtemp())) is None
True
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from datacard.errors import UsageError

_ENV = {"LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}


@dataclass(frozen=True)
class Commit:
    """One commit touching a file: ids, committer date (ISO), subject, the file's path there."""

    sha: str
    short: str
    date: str
    subject: str
    path: str


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            check=False,
            env={**os.environ, **_ENV},
        )
    except FileNotFoundError:
        raise UsageError(
            "git is not installed", hint="install git to read a card's versions"
        ) from None


@dataclass(frozen=True)
class GitRepo:
    """A git work tree, found from any folder inside it."""

    top: Path

    @classmethod
    def find(cls, folder: Path) -> GitRepo | None:
        """The repository holding ``folder``, or None when it is not inside one."""
        done = _git(folder, "rev-parse", "--show-toplevel")
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace")
            if "dubious ownership" in message:
                raise UsageError(
                    f"git refuses to read {folder}: the repository belongs to another user",
                    hint="see 'git config --global --add safe.directory' in git's help",
                )
            return None
        return cls(Path(os.fsdecode(done.stdout.strip())))

    @classmethod
    def require(cls, folder: Path) -> GitRepo:
        """Like :meth:`find`, with a clear error outside a repository."""
        repo = cls.find(folder)
        if repo is None:
            raise UsageError(
                f"{folder} is not in a git repository",
                hint="commit the card with git to keep its versions, or compare two folders",
            )
        return repo

    def relpath(self, path: Path) -> str:
        """``path`` relative to the top of the work tree, in git's POSIX form."""
        try:
            return path.resolve().relative_to(self.top.resolve()).as_posix()
        except ValueError:
            raise UsageError(
                f"{path} is outside the git repository {self.top}", hint="give a path inside it"
            ) from None

    def commit(self, rev: str) -> str:
        """The full id of the commit ``rev`` names (a branch, tag, HEAD~2, an id)."""
        if not rev or rev.startswith("-"):
            raise UsageError(f"'{rev}' is not a git revision", hint="e.g. HEAD~1, v1.2.0, a1b2c3d")
        done = _git(self.top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if done.returncode != 0:
            raise UsageError(
                f"unknown git revision '{rev}'",
                hint=f"see 'git log' in {self.top} for the commits and tags",
            )
        return done.stdout.decode().strip()

    def show(self, sha: str, path: str) -> bytes | None:
        """The bytes of ``path`` at commit ``sha``, or None when it is not there."""
        return self.show_many([(sha, path)])[0]

    def show_many(self, wanted: Sequence[tuple[str, str]]) -> list[bytes | None]:
        """The bytes of each ``(commit, path)``, read by one ``git cat-file --batch`` process."""
        if not wanted:
            return []
        if any("\n" in path for _, path in wanted):
            raise UsageError("a file name with a line break cannot be read from git")
        specs = "".join(f"{sha}:{path}\n" for sha, path in wanted).encode()
        done = _git(self.top, "cat-file", "--batch", stdin=specs)
        if done.returncode != 0:
            raise UsageError(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
        data, pos = done.stdout, 0
        found: list[bytes | None] = []
        for _ in wanted:
            end = data.index(b"\n", pos)
            parts = data[pos:end].split(b" ")
            pos = end + 1
            if len(parts) != 3 or not parts[2].isdigit():  # "<spec> missing" (or ambiguous)
                found.append(None)
                continue
            size = int(parts[2])
            found.append(data[pos : pos + size] if parts[1] == b"blob" else None)
            pos += size + 1
        return found

    def log(self, path: str) -> list[Commit]:
        """Commits touching ``path`` (following renames), newest first."""
        if _git(self.top, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
            return []  # no commit yet
        done = _git(
            self.top,
            "log",
            "--follow",
            "-z",
            "--name-only",
            "--format=%x1e%H%x1f%h%x1f%cI%x1f%s",
            "--",
            path,
        )
        if done.returncode != 0:
            raise UsageError(f"git log failed: {done.stderr.decode(errors='replace').strip()}")
        commits: list[Commit] = []
        current = path
        for record in done.stdout.decode("utf-8", errors="replace").split("\x1e"):
            if not record.strip():
                continue
            header, _, rest = record.partition("\0")
            sha, short, date, subject = [*header.split("\x1f", 3), "", "", ""][:4]
            names = [n.strip("\n") for n in rest.split("\0") if n.strip("\n")]
            current = names[0] if names else current  # a merge lists no names: keep the path
            commits.append(Commit(sha, short, date, subject, current))
        return commits
