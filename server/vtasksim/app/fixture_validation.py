"""A composed fixture checked against the fixture schema, its first error said as the loader says
its own: ``file:line: field.path: what is wrong``.

The YAML is composed (nodes keep their lines), turned into plain data with the line of every
value and key, validated, and the schema's complaint is translated back into the house
sentences: ``unknown field; did you mean 'descriptionId'?``, ``required field is missing``,
``unknown state 'runing'; one of queued, running, success, error`` …
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from vtasksim.app.fixture_schema import METHOD_NAME, PRIVILEGE, TYPE_NAME, fixture_schema

_PATTERNS = {TYPE_NAME: "a vim type name", METHOD_NAME: "a vim method name such as CreateVM_Task",
             PRIVILEGE: "a privilege id such as System.View"}  # fmt: skip
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class Located:
    """Plain data, and for every path in it the node of its value (and of its key, in a mapping)."""

    data: Any
    values: dict[tuple, Node] = field(default_factory=dict)
    keys: dict[tuple, Node] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemaError:
    line: int | None
    path: str
    message: str


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    schema = fixture_schema()
    if definition is not None:  # one part of a fixture: a step, a fault rule (control-API bodies)
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return Draft202012Validator(schema)


class _Unusual(Exception):
    """A merge key or a key that is not a string: the loader's readers say what is wrong."""


def schema_error(root: Node | None, definition: str | None = None) -> SchemaError | None:
    """The first departure (by line) from the fixture schema, or from one of its ``$defs``; or None."""
    check = SchemaCheck()
    check.add(root, definition)
    return check.first_error()


class SchemaCheck:
    """The schema check of a document read in parts (the document without its tasks, then each
    task on its own): the first departure by line of them all, as if the whole were checked.

    A part with a merge key or a key that is not a string leaves the whole document to the
    loader's readers, as it does when the document is checked whole.
    """

    def __init__(self) -> None:
        self._first: tuple[tuple[int, int], SchemaError] | None = None
        self._unusual = False

    def add(self, node: Node | None, definition: str | None = None, prefix: tuple = ()) -> None:
        """Check ``node`` (against ``definition`` of the ``$defs``, or the whole schema), found at ``prefix``."""
        if node is None or self._unusual:
            return
        located = Located(None)
        try:
            located.data = _plain(node, (), located)
        except _Unusual:
            self._unusual = True
            return
        errors = list(_validator(definition).iter_errors(located.data))
        if not errors:
            return
        first = min(errors, key=lambda error: (_line_of(error, located), len(error.absolute_path)))
        order = (_line_of(first, located), len(prefix) + len(first.absolute_path))
        if self._first is None or order < self._first[0]:
            self._first = (order, _translate(best_match([first]), located, prefix))

    def first_error(self) -> SchemaError | None:
        return None if self._unusual or self._first is None else self._first[1]


_constructor = yaml.SafeLoader("")


def construct_scalar(node: ScalarNode) -> Any:
    """A scalar's value as PyYAML's safe loader makes it (an int, a timestamp …), kept nowhere:
    the loader remembers every node it constructed (and one it failed to, as under way), which
    would keep every fixture's nodes alive and refuse a node asked for again."""
    try:
        return _constructor.construct_object(node, deep=True)
    finally:
        _constructor.constructed_objects.pop(node, None)
        _constructor.recursive_objects.pop(node, None)


def _plain(node: Node, path: tuple, located: Located) -> Any:
    located.values[path] = node
    if isinstance(node, MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR_TAG) or key_node.value in result:
                raise _Unusual()  # merge keys, odd keys, duplicate keys
            if isinstance(value_node, ScalarNode) and value_node.tag == _NULL_TAG:
                continue  # a null value counts as absent
            located.keys[(*path, key_node.value)] = key_node
            result[key_node.value] = _plain(value_node, (*path, key_node.value), located)
        return result
    if isinstance(node, SequenceNode):
        return [_plain(item, (*path, index), located) for index, item in enumerate(node.value)]
    try:
        value = construct_scalar(node)
    except (yaml.YAMLError, ValueError):
        return node.value  # the loader says what is wrong with it
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _line_of(error: ValidationError, located: Located) -> int:
    node = located.values.get(tuple(error.absolute_path))
    return node.start_mark.line + 1 if node is not None else 0


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _translate(error: ValidationError, located: Located, prefix: tuple = ()) -> SchemaError:
    """The error in the house sentence; ``prefix`` is where the checked node sits in its document."""
    path = tuple(error.absolute_path)
    node = located.values.get(path)
    full = (*prefix, *path)
    line = node.start_mark.line + 1 if node is not None else None
    keyword, schema, value = error.validator, error.schema, error.instance
    if keyword == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extra = next(name for name in value if name not in schema.get("properties", {}))
        key = located.keys.get((*path, extra))
        return SchemaError(key.start_mark.line + 1 if key else line, _dotted((*full, extra)), f"unknown field{suggest(extra, allowed, list_all=not full)}")
    if keyword == "required":
        missing = next(name for name in schema["required"] if name not in value)
        message = schema.get("x-required", {}).get(missing, "required field is missing")
        return SchemaError(line, _dotted((*full, missing)), message)
    return SchemaError(line, _dotted(full), _sentence(error, node, full))


def _sentence(error: ValidationError, node: Node | None, path: tuple) -> str:
    keyword, schema, value = error.validator, error.schema, error.instance
    if keyword == "type":
        expected = schema.get("x-expected") or _expected(schema["type"], schema)
        plain = isinstance(node, ScalarNode) and not node.style
        quote = " (quote it)" if schema["type"] == "string" and plain and "x-expected" not in schema else ""
        return f"expected {expected}, got {describe(node)}{quote}"
    own = _own_sentence(error)
    if own is not None:
        options = [str(option) for option in schema.get("enum", ())]
        return own.format(value=value, suggestion=suggest(str(value), options) if options else "")
    if keyword == "enum":
        name = path[-1] if path and isinstance(path[-1], str) else "value"
        return f"unknown {name} {value!r}{suggest(str(value), [str(option) for option in schema['enum']])}"
    if keyword in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        bounds = f"{low}..{high}" if high is not None and low is not None else (f"{low} or more" if high is None else f"{high} or less")
        return f"{value} is out of range; expected {'an integer' if schema.get('type') == 'integer' else 'a number'} {bounds}"
    if keyword == "minLength":
        return "expected a non-empty string, got ''"
    if keyword == "pattern":
        return f"{value!r} is not {_PATTERNS.get(schema['pattern'], 'written as expected: ' + schema['pattern'])}"
    if keyword == "const":
        return f"must be {schema['const']!r}"
    return f"does not match the fixture schema ({keyword}: {schema.get('description', 'see vtasksim schema')})"


def _own_sentence(error: ValidationError) -> str | None:
    """The schema's ``x-error`` for this value (on its own schema, or the anyOf around it)."""
    while error is not None:
        if "x-error" in error.schema:
            return error.schema["x-error"]
        error = error.parent
    return None


def _expected(kind: str | list, schema: dict) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "a non-empty string", "integer": "an integer",
             "number": "a number", "boolean": "true or false", "null": "nothing"}  # fmt: skip
    kinds = [kind] if isinstance(kind, str) else kind
    text = " or ".join(names.get(k, k) for k in kinds)
    if kind == "integer" and "minimum" in schema and "maximum" in schema:
        text += f" {schema['minimum']}..{schema['maximum']}"
    return text


def describe(node: Node | None) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node is None or node.tag == _NULL_TAG:
        return "nothing"
    return repr(node.value)


def suggest(name: str, allowed: list[str] | tuple[str, ...], list_all: bool = False) -> str:
    """``; did you mean 'descriptionId'?`` or, for a short list (or ``list_all``), every allowed name."""
    by_case = {option.lower(): option for option in allowed}
    close = [by_case[name.lower()]] if name.lower() in by_case else difflib.get_close_matches(name, allowed, 1, cutoff=0.75)
    if close:
        return f"; did you mean {close[0]!r}?"
    if len(allowed) <= 6 or list_all:
        return f"; one of {', '.join(allowed)}"
    return ""
