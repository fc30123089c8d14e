"""Reading a scenario file as YAML data plus the line of every key.

Parsing uses PyYAML's safe loader, so tags such as `!!python/object` are errors and never
construct anything. The node tree gives each key path its line, which error messages quote.

A file is bounded before it is built: its size, how deep its mappings and lists nest, and how
many values it holds once its aliases (`*name`) are expanded, so that a small file cannot grow
into gigabytes (a "billion laughs") or exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simsynth.errors import Problem, ScenarioError

KeyPath = tuple[Hashable, ...]

MAX_FILE_BYTES = 1 << 20
"""Largest scenario or mapping file read (large data, such as a road graph, has its own file)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists."""
MAX_VALUES = 100_000
"""Most keys and values a file may hold once every alias is expanded."""


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
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(
                1,
                f"the file has {size:,} bytes; at most {MAX_FILE_BYTES:,} are read "
                "(large data such as a road graph goes in a file of its own)",
            )
        raw = Path(path).read_bytes()
    except OSError as error:
        raise fail(1, f"cannot read the file ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail(1, "not a UTF-8 text file (a YAML scenario file is expected)") from None
    try:
        _check_bounds(text)
        node, lines, data = _parse(text)
    except _OutOfBounds as error:
        raise fail(error.line, f"{error} (such files hold plain, small data)") from None
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
    duplicates = [
        Problem(file, line, format_path(path), "duplicate key (each key may appear once)")
        for path, line in lines.duplicates
    ]
    if duplicates:
        raise ScenarioError(duplicates)
    return Source(file, data, lines.lines)


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

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(node.value):,} digits is too long", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def _check_bounds(text: str) -> None:
    """Refuse (`_OutOfBounds`, at the offending line) a document nested deeper than
    `MAX_DEPTH` or holding more than `MAX_VALUES` values with its aliases expanded, reading
    only its event stream, before any node is built; and an alias inside its own anchor."""
    values_of_anchor: dict[str, int] = {}
    open_anchors: set[str] = set()
    stack: list[tuple[str | None, int]] = []  # open collections: anchor, values before it
    total = 0
    for event in yaml.parse(text, Loader=_Loader):
        mark = event.start_mark
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise _bound_error(f"mappings and lists nest deeper than {MAX_DEPTH} levels", mark)
            stack.append((event.anchor, total))
            if event.anchor is not None:
                open_anchors.add(event.anchor)
            total += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = stack.pop()
            if anchor is not None:
                values_of_anchor[anchor] = total - before
                open_anchors.discard(anchor)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                values_of_anchor[event.anchor] = 1
            total += 1
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise _bound_error(f"alias *{event.anchor} is inside its own anchor", mark)
            total += values_of_anchor.get(event.anchor, 1)  # an unknown one: the composer says
        if total > MAX_VALUES:
            expanded = (
                f"the file holds more than {MAX_VALUES:,} values once its aliases are expanded"
            )
            raise _bound_error(expanded, mark)


class _OutOfBounds(Exception):
    """A document over one of the bounds, at a line."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def _bound_error(problem: str, mark: Any) -> _OutOfBounds:
    return _OutOfBounds(problem, mark.line + 1)


def _parse(text: str) -> tuple[yaml.Node | None, _Lines, Any]:
    """The document's node tree, the line of each key path and the data the safe loader builds
    (lines first: building merges `<<` keys into the tree in place)."""
    loader = _Loader(text)
    lines = _Lines()
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines, None
        lines.lines[()] = node.start_mark.line + 1
        lines.index(node, ())
        return node, lines, loader.construct_document(node)
    finally:
        loader.dispose()


@dataclass
class _Lines:
    """The line of every key path of a node tree, and the keys written twice in a mapping."""

    lines: dict[KeyPath, int] = field(default_factory=dict)
    duplicates: list[tuple[KeyPath, int]] = field(default_factory=list)

    def index(self, node: yaml.Node, path: KeyPath) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                key = _key(key_node)
                child = (*path, key)
                if key in seen:
                    self.duplicates.append((child, key_node.start_mark.line + 1))
                seen.add(key)
                self.lines[child] = key_node.start_mark.line + 1
                self.index(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                child = (*path, position)
                self.lines[child] = item.start_mark.line + 1
                self.index(item, child)


def _key(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    return node.start_mark.line
