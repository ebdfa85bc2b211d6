"""``/ui``: the live task view, a "Recent Tasks" pane in the browser (read-only).

``rows`` says what a task looks like in the list, ``feed`` pushes changed rows to browsers over
server-sent events, ``resources`` serves the page, its assets and its JSON; ``static/`` is the
page itself (plain HTML, CSS and JavaScript, no build step).
"""

from vtasksim.app.ui.resources import build_ui

__all__ = ["build_ui"]
