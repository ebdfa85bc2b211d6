"""vim25 over SOAP 1.1: Spyne parses and dispatches, this package speaks vCenter's dialect.

Spyne turns a request into a call of one service method (one Spyne service per managed-object
type, ``services/``); ``decoding`` turns vim25 XML arguments into domain values; ``encoding``
writes domain values back as vim25 XML for the client's API version; ``envelope`` writes the
response and the fault envelope byte for byte as a vCenter does.
"""

from vtasksim.wire import compat as _compat

_compat.install()  # before any Spyne module that needs it is imported
