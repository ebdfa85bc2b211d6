"""``vtasksim serve --workers N``: HTTP on more than one core, the state in one process.

One vCenter is one state: the process that loaded the fixture (the owner) keeps it and runs
every vim call, so that a task made through one connection is visible at once through every
other and a long poll wakes on a change made anywhere. N worker processes share the listening
socket: they read HTTP, send each ``POST /sdk`` call to the owner over a Unix socket
(:mod:`.messages`), and write its answer back; whatever else a client asks (documents, the
task view, the control API) they pass, connection and all, to the owner's own site.

What it buys and what crossing costs is measured by ``make bench`` (``server/bench/crossing.py``).
"""
