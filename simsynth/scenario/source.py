"""Reading a scenario file as YAML data plus the line of every key.

Parsing uses PyYAML's safe loader, so tags such as `!!python/object` are errors and never
construct anything. The node tree gives each key path its line, which error messages quote.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simsynth.errors import Problem, ScenarioError

KeyPath = tuple[Hashable, ...]


@dataclass
class Source:
    """A parsed scenario file: its data and the line of each key path."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def locate(self, loc: tuple[Any, ...]) -> tuple[int, KeyPath]:
        """Line and readable key path of a validation error location.

        Inner parts of `loc` that are not keys in the file (such as a union's tag) are skipped;
        the line is that of the deepest key found, or of the document start.
        """
        path: KeyPath = ()
        line = self.lines.get((), 1)
        for index, part in enumerate(loc):
            candidate = (*path, part)
            if candidate in self.lines:
                path = candidate
                line = self.lines[candidate]
            elif index == len(loc) - 1:
                path = candidate  # a missing key: shown, at its parent's line
        return line, path

    def problem(self, loc: tuple[Any, ...], message: str) -> Problem:
        """A one-line problem at the key path `loc`."""
        line, path = self.locate(loc)
        return Problem(self.file, line, format_path(path), message)


def format_path(path: KeyPath) -> str:
    """`incidents.0.params.share`; `(root)` for the whole document."""
    return ".".join(str(part) for part in path) if path else "(root)"


def read_source(path: str | Path) -> Source:
    """Parse a scenario file; raise `ScenarioError` if it is unreadable or not a YAML mapping."""
    file = str(path)

    def fail(line: int, message: str) -> ScenarioError:
        return ScenarioError([Problem(file, line, "(root)", message)])

    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise fail(1, f"cannot read the file ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail(1, "not a UTF-8 text file (a YAML scenario file is expected)") from None
    try:
        node, data = _parse(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(filter(None, [error.context, error.problem]))
        raise fail(line, f"not valid YAML: {what} (only plain YAML data is allowed)") from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise fail(line, f"not valid YAML: character #x{code:04x} ({error.reason})") from None
    except yaml.YAMLError as error:
        raise fail(1, f"not valid YAML: {error}") from None
    if node is None:
        raise fail(1, "the file is empty (a YAML mapping with name, model, duration is expected)")
    if not isinstance(data, dict):
        found = type(data).__name__
        raise fail(node.start_mark.line + 1, f"expected a YAML mapping of keys, found {found}")
    source = Source(file, data, {(): node.start_mark.line + 1})
    problems: list[Problem] = []
    _index(node, (), source.lines, problems, file)
    if problems:
        raise ScenarioError(problems)
    return source


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, reporting impossible dates (2026-13-01) at their line."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"'{node.value}' is not a valid date or time ({error})",
                node.start_mark,
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree and its data, built by the safe loader."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _index(
    node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], problems: list[Problem], file: str
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _key(key_node)
            child = (*path, key)
            if key in seen:
                problems.append(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        format_path(child),
                        "duplicate key (each key may appear once)",
                    )
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _index(value_node, child, lines, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _index(item, child, lines, problems, file)


def _key(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    return node.start_mark.line
