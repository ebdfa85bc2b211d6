"""The control API under ``/_vtasksim/``: JSON over HTTP to drive a running vtasksim from tests.

``api`` holds the operations (plain functions of the runtime), ``resource`` the Twisted resource
that routes to them, ``client`` a small client for tests and scripts (no dependency beyond the
standard library).
"""
