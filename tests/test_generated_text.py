"""The generated prose reads as written: no sentence broken by rendering.

Jinja conditions inside wrapped text leave marks when they render to nothing (or to more than
the line can hold): a line cut short in the middle of a paragraph, a sentence split by a blank
line, a line of punctuation alone, two spaces where a phrase was left out. These tests bake a
few answer sets and read the prose of the README, the CHANGELOG and every docstring of the
Python files.

The rules, each chosen to fire on rendering damage and not on text wrapped by hand:

- **Cut short.** In a paragraph wrapped by hand to the line length (100, ruff's
  ``line-length``), a line ends near the margin: the writer moves a word to the next line only
  when it does not fit. So a line other than the last of its paragraph is reported when the
  next line's first word (a code span or a link counts as one word, and a word of up to three
  characters counts with the word after it) would have fitted on it with ``ROOM`` (12)
  columns to spare. Hand wrapping leaves at most 6 in the files the template copies without
  rendering, which a test holds to the rule. A paragraph ends at a blank line, before a list
  item, where the indentation changes (a definition under its term) and at a heading; its
  last line may be as short as it likes.
- **Sentence cut by a blank line.** A paragraph that ends on a letter, a digit or a comma,
  followed after a blank line by a paragraph that starts with a lowercase letter.
- **Punctuation alone.** A line of one to three punctuation marks (``.``, ``,``, ``)``) and
  nothing else, or a line of whitespace alone: what is left of a sentence whose words were
  all conditional.
- **Spaces.** Two spaces between words, or a space before ``,``, ``.`` or ``;``: a phrase that
  rendered to nothing.
- **Overlong.** A prose line longer than the line length: text a condition inserted without
  wrapping the paragraph again.

Prose is the Markdown outside fenced code blocks, tables, headings and HTML, and the docstrings
(of modules, classes, functions and attributes) of the Python files, outside doctest lines.
Code spans count as one word, and nothing inside them is read as prose.

Line lengths also depend on the answers: a product or package name much shorter or longer
than the default ones shortens or lengthens the lines that name it, which no wrapping written
in the template can avoid. The answer sets keep the default names.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import COOKIECUTTER_JSON, TEMPLATE

WIDTH = 100  # the generated project's line length (ruff's line-length)
ROOM = 12  # columns a line may leave free before the next line's first word
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+\1")  # Markdown `x` and reST ``x``
LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")  # a Markdown link: [text](address)
UNDERLINE = re.compile(r"-{3,}|={3,}")
ONLY_PUNCTUATION = re.compile(r"[.,;:!?()\[\]{}]{1,3}")
DOUBLE_SPACE = re.compile(r"\S {2,}\S")
SPACE_BEFORE = re.compile(r"\w [,.;](?:\s|$)")


@dataclass(frozen=True)
class Line:
    """A line of prose: where it is, its text, and the column where its words start."""

    path: str
    number: int
    text: str
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.number}: {self.text.strip()!r}"


def content_column(text: str) -> int:
    """Return where the words of ``text`` start: after the indentation and a list bullet."""
    item = LIST_ITEM.match(text)
    return item.end() if item else len(text) - len(text.lstrip())


def line(path: str, number: int, text: str) -> Line:
    """Return a ``Line`` whose words start where its text says."""
    return Line(path, number, text, content_column(text))


def first_word(text: str) -> str:
    """Return the first word of ``text`` as a writer moves it: a code span or a link is one word,
    and a word of three characters or fewer (``a``, ``(a``, ``of``) goes with the word after
    it."""
    words: list[str] = []
    text = text.lstrip()
    while text and (not words or len(words[-1]) <= 3):
        span = CODE_SPAN.match(text) or LINK.match(text)
        end = span.end() if span else len(text.split(maxsplit=1)[0])
        while end < len(text) and not text[end].isspace():  # ``x``, or `x`'s
            end += 1
        words.append(text[:end])
        text = text[end:].lstrip()
    return " ".join(words)


def paragraphs(lines: list[Line]) -> Iterator[list[Line]]:
    """Split prose lines into paragraphs: at blank lines, before each list item, where the
    words start in another column, and around underlined headings (reST, numpydoc)."""
    paragraph: list[Line] = []
    for current in lines:
        stripped = current.text.strip()
        if UNDERLINE.fullmatch(stripped):
            if paragraph[:-1]:
                yield paragraph[:-1]  # the line above is the heading
            paragraph = []
        elif (
            not stripped
            or LIST_ITEM.match(current.text)
            or (paragraph and current.column != paragraph[-1].column)
        ):
            if paragraph:
                yield paragraph
            paragraph = [current] if stripped else []
        else:
            paragraph.append(current)
    if paragraph:
        yield paragraph


def readme_blocks(path: Path, name: str) -> Iterator[list[Line]]:
    """Yield the runs of README lines that are prose (blank lines included, to split on)."""
    block: list[Line] = []
    fenced = False
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = text.strip()
        if stripped.startswith("```") or fenced or stripped.startswith(("|", "#", "<")):
            fenced = fenced != stripped.startswith("```")
            if block:
                yield block
            block = []
            continue
        block.append(line(name, number, text))
    if block:
        yield block


def docstring_blocks(path: Path, name: str) -> Iterator[list[Line]]:
    """Yield the lines of each docstring of a Python file. The opening quotes count in the
    width of the first line, but not in the column where its words start."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        for statement in body if isinstance(body, list) else []:
            if not (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
                and statement.end_lineno is not None
            ):
                continue
            block = []
            for number in range(statement.lineno, statement.end_lineno + 1):
                text = lines[number - 1]
                column = None
                if number == statement.lineno:
                    quotes = re.match(r"\s*[rRbBuU]?(\"\"\"|'''|\"|')", text)
                    assert quotes is not None, f"{name}:{number}"
                    column = len(text) - len(text.lstrip())
                    text = " " * quotes.end() + text[quotes.end() :]
                if number == statement.end_lineno:
                    text = re.sub(r"(\"\"\"|''')\s*$", "", text)
                if not text.strip() or text.lstrip().startswith((">>>", "... ")):
                    text = ""  # a blank line; doctest lines are code
                column = content_column(text) if column is None else column
                block.append(Line(name, number, text, column))
            yield block


def problems_in(blocks: list[list[Line]]) -> list[str]:
    """Return the rendering damage in ``blocks`` of prose, one message per finding."""
    found = []
    for block in blocks:
        for current in block:
            if current.text and not current.text.strip():
                found.append(f"{current}: whitespace alone")
            elif ONLY_PUNCTUATION.fullmatch(current.text.strip()):
                found.append(f"{current}: punctuation alone")
            prose = CODE_SPAN.sub("CODE", current.text.strip())
            if DOUBLE_SPACE.search(prose):
                found.append(f"{current}: two spaces between words")
            if SPACE_BEFORE.search(prose):
                found.append(f"{current}: a space before punctuation")
            if len(current.text) > WIDTH:
                found.append(f"{current}: longer than {WIDTH} characters")
        parts = list(paragraphs(block))
        for paragraph in parts:
            for current, following in itertools.pairwise(paragraph):
                word = first_word(following.text)
                if len(current.text.rstrip()) + 1 + len(word) + ROOM <= WIDTH:
                    found.append(f"{current}: cut short, {word!r} of the next line fits on it")
        for before, after in itertools.pairwise(parts):
            end, start = before[-1].text.rstrip(), after[0].text.lstrip()
            blank_between = after[0].number - before[-1].number > 1
            if blank_between and re.search(r"[\w,]$", end) and re.match(r"[a-z]", start):
                found.append(f"{before[-1]}: a sentence cut by a blank line before {after[0]}")
    return found


def prose_problems(project: Path) -> list[str]:
    """Return the rendering damage in the Markdown files (README, CHANGELOG) and the
    docstrings of ``project``."""
    blocks = []
    for name in ("README.md", "CHANGELOG.md"):
        blocks += readme_blocks(project / name, name)
    for path in sorted(project.rglob("*.py")):
        relative = path.relative_to(project)
        if not any(part.startswith(".") for part in relative.parts):  # no venv, no cache
            blocks += docstring_blocks(path, relative.as_posix())
    return problems_in(blocks)


ANSWER_SETS = [
    pytest.param({}, id="default"),
    pytest.param({"server_type": "grpc", "include_connect_mode": True}, id="grpc+connect"),
    pytest.param({"include_connect_mode": True, "register_fallback": False}, id="http+connect"),
    pytest.param({"server_type": "grpc", "license": "Proprietary"}, id="grpc+proprietary"),
    pytest.param({"server_type": "grpc", "include_slurm_mode": True}, id="grpc+slurm"),
    pytest.param({"include_slurm_mode": True, "include_connect_mode": True}, id="http+slurm"),
    pytest.param({"include_container_mode": True}, id="http+container"),
    pytest.param({"server_type": "grpc", "include_container_mode": True}, id="grpc+container"),
]


@pytest.mark.parametrize("answers", ANSWER_SETS)
def test_the_generated_prose_has_no_sentence_broken_by_rendering(
    cookies: Any, answers: dict[str, Any]
) -> None:
    result = cookies.bake(extra_context=answers)
    assert result.exception is None, result.exception
    problems = prose_problems(result.project_path)
    assert not problems, "\n".join(problems)


def test_hand_wrapped_prose_leaves_less_room_than_the_check_allows() -> None:
    """The files copied without rendering are wrapped by hand only: they pass, so ``ROOM``
    tolerates hand wrapping."""
    project = TEMPLATE / "{{cookiecutter.package_name}}"
    copied = [
        path
        for pattern in COOKIECUTTER_JSON["_copy_without_render"]
        for path in project.glob(pattern)
        if path.suffix == ".py"
    ]
    assert copied
    blocks = [block for path in copied for block in docstring_blocks(path, path.name)]
    assert problems_in(blocks) == []


def test_each_rule_fires_on_the_damage_it_is_for() -> None:
    wrapped = "word " * 17 + "and the end"  # 96 characters
    damaged = {
        "cut short": [wrapped, "of a line cut short.", wrapped],
        "a sentence cut": ["A sentence,", "", "continued here."],
        "punctuation alone": [wrapped + " end", "."],
        "whitespace alone": [wrapped + ".", "    ", "Next."],
        "two spaces": ["Two  spaces in prose."],
        "a space before": ["A space before , a comma."],
        "longer than": ["word " * 25],
    }
    for rule, texts in damaged.items():
        found = problems_in([[line("x", number, text) for number, text in enumerate(texts, 1)]])
        assert len(found) == 1, (rule, found)
        assert f": {rule}" in found[0], (rule, found)
    fine = [
        wrapped,
        "sentence, `a code span with  two spaces`, and a last line.",
        "",
        "A paragraph that ends short, and a list:",
        "- " + "item " * 18 + "whose",
        "  second line is short.",
    ]
    assert problems_in([[line("x", number, text) for number, text in enumerate(fine, 1)]]) == []
