"""A fixture's ``tasks`` composed one at a time: the YAML of 20,000 tasks is never held at once.

Composed whole, a fixture is every task's YAML nodes and marks alive together (~14 KiB a task),
with the plain data the schema check makes of them beside them: a start-up peak far above what
the loaded tasks keep. :func:`compose_outline` composes the document with its top-level ``tasks``
list left empty, handing each item to a callback as soon as it is composed; the loader reads
the document twice that way (the schema check and every task key, then the tasks), holding one
task's nodes at a time.

The composing is PyYAML's own Composer (the same nodes, tags and marks as ``yaml.compose``),
fed by libyaml's parser when it is installed, else by PyYAML's.
"""

from __future__ import annotations

from typing import Any, Callable

from yaml.composer import Composer
from yaml.events import SequenceEndEvent, SequenceStartEvent
from yaml.nodes import Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML without libyaml
    CParser = None

#: Called with each item of the top-level ``tasks`` list, and its index, as soon as it is composed.
TaskItem = Callable[[int, Node], None]

STREAMED_KEY = "tasks"
_STR_TAG = "tag:yaml.org,2002:str"


class _Outline(Composer):
    """Composer, but the items of the root mapping's ``tasks`` list go to ``on_task``, not into the tree."""

    def _start_outline(self, on_task: TaskItem) -> None:
        Composer.__init__(self)
        Resolver.__init__(self)  # type: ignore[arg-type]
        self._on_task = on_task
        self._root: Node | None = None
        #: Whether a ``tasks`` list was handed out item by item (else it is in the tree, if any).
        self.streamed = False

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self._root is None and parent is not None:
            self._root = parent  # the root's first child is composed before any other node
        if parent is self._root and parent is not None and _is_streamed_key(index) and self._plain_list_follows():
            return self._compose_streamed(parent, index)
        return super().compose_node(parent, index)

    def _plain_list_follows(self) -> bool:
        # An anchored list may be aliased elsewhere: that one is composed whole, as before.
        return self.check_event(SequenceStartEvent) and self.peek_event().anchor is None

    def _compose_streamed(self, parent: Node, index: Node) -> SequenceNode:
        self.streamed = True
        self.descend_resolver(parent, index)
        start = self.get_event()
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolve(SequenceNode, None, start.implicit)
        node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        number = 0
        while not self.check_event(SequenceEndEvent):
            self._on_task(number, self.compose_node(node, number))
            number += 1
        node.end_mark = self.get_event().end_mark
        self.ascend_resolver()
        return node


def _is_streamed_key(index: Any) -> bool:
    return isinstance(index, ScalarNode) and index.tag == _STR_TAG and index.value == STREAMED_KEY


class _PlainOutline(_Outline, Reader, Scanner, Parser, Resolver):
    def __init__(self, text: str, on_task: TaskItem) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        self._start_outline(on_task)


if CParser is not None:

    class _FastOutline(_Outline, CParser, Resolver):  # type: ignore[valid-type, misc]
        def __init__(self, text: str, on_task: TaskItem) -> None:
            CParser.__init__(self, text)
            self._start_outline(on_task)


def compose_outline(text: str, on_task: TaskItem, fast: bool = True) -> tuple[Node | None, bool]:
    """The document's root node with its top-level ``tasks`` list left empty (its items went to
    ``on_task``), and whether there was such a list. ``fast``: libyaml's parser, when installed.
    Raises what ``yaml.compose`` raises for a document that is not YAML."""
    composer = _FastOutline(text, on_task) if fast and CParser is not None else _PlainOutline(text, on_task)
    try:
        return composer.get_single_node(), composer.streamed
    finally:
        composer.dispose()


def has_fast_parser() -> bool:
    return CParser is not None
