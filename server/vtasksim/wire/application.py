"""The Spyne application: every per-type service, the vim25 protocol, and the simulator behind them."""

from __future__ import annotations

from typing import Any

from spyne import Application

from vtasksim.domain.faults import MethodFault
from vtasksim.domain.simulator import Simulator
from vtasksim.wire import compat
from vtasksim.wire.namespaces import VIM25
from vtasksim.wire.protocol import VimSoap11, VimSoapFault
from vtasksim.wire.services.authorization_manager import AuthorizationManagerService
from vtasksim.wire.services.custom_fields_manager import CustomFieldsManagerService, ExtensibleManagedObjectService
from vtasksim.wire.services.event_history_collector import EventHistoryCollectorService
from vtasksim.wire.services.event_manager import EventManagerService
from vtasksim.wire.services.history_collector import HistoryCollectorService
from vtasksim.wire.services.managed_object import ManagedObjectService
from vtasksim.wire.services.option_manager import OptionManagerService
from vtasksim.wire.services.property_collector import PropertyCollectorService
from vtasksim.wire.services.property_filter import PropertyFilterService
from vtasksim.wire.services.search_index import SearchIndexService
from vtasksim.wire.services.service_instance import ServiceInstanceService
from vtasksim.wire.services.session_manager import SessionManagerService
from vtasksim.wire.services.task import TaskService
from vtasksim.wire.services.task_history_collector import TaskHistoryCollectorService
from vtasksim.wire.services.task_manager import TaskManagerService
from vtasksim.wire.services.view import ListViewService, ViewService
from vtasksim.wire.services.view_manager import ViewManagerService

SERVICES = (
    TaskService, ManagedObjectService, ServiceInstanceService, PropertyCollectorService, PropertyFilterService,
    SessionManagerService, TaskManagerService, AuthorizationManagerService,
    # The inventory, and how programs find their way through it
    ViewManagerService, ViewService, ListViewService, SearchIndexService, CustomFieldsManagerService,
    ExtensibleManagedObjectService,
    HistoryCollectorService, TaskHistoryCollectorService, EventHistoryCollectorService, EventManagerService,
    OptionManagerService,
)  # fmt: skip


class VimApplication(Application):
    """A Spyne Application that knows its simulator and lets vim faults through as SOAP faults."""

    def __init__(self, simulator: Simulator) -> None:
        super().__init__(list(SERVICES), VIM25, name="VimService", in_protocol=VimSoap11(), out_protocol=VimSoap11())
        self.simulator = simulator

    def call_wrapper(self, ctx: Any) -> Any:
        try:
            return super().call_wrapper(ctx)
        except MethodFault as fault:
            raise VimSoapFault(fault) from None


def build_application(simulator: Simulator) -> VimApplication:
    compat.install()
    return VimApplication(simulator)
