"""The simulated vCenter as plain Python: no SOAP, no Spyne, no Twisted.

One module per managed-object type (``task.py``, ``service_instance.py`` …), as govmomi's simulator
has one file per type; each vim method is a method of that type. Vim faults are exceptions
(``faults.py``); vim data objects are dataclasses whose field names are the vim property names
(``vmodl.py``), so the wire layer can encode any of them generically.
"""
