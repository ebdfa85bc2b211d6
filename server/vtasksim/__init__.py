"""vtasksim: a vim25 SOAP server that behaves like a VMware vCenter for everything about tasks.

Three layers, imports pointing down only:

- ``vtasksim.app``: the process (Twisted site, CLI, fixtures, configuration);
- ``vtasksim.wire``: vim25 over SOAP on Spyne (models, envelopes, WSDL, API versions);
- ``vtasksim.domain``: plain Python managed objects, the Task state machine, faults.
"""

__version__ = "0.1.0"
