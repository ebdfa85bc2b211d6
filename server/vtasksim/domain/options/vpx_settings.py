"""The settings a vCenter lists at ``ServiceContent.setting`` that the simulator acts on."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.history.retention import Retention
from vtasksim.domain.options.option_manager import SETTING, OptionManager, bool_option, int_option, string_option

#: vCenter keeps tasks and events for at most this many days (its UI allows up to ten years).
MAX_AGE_LIMIT = 3650


def vpx_settings(tasks: Retention, events: Retention, instance_name: str = "vtasksim", instance_id: int = 0) -> OptionManager:
    """VpxSettings: retention of tasks and events (applied at once when changed), the instance's name and id."""

    def setter(retention: Retention, attribute: str) -> Any:
        return lambda value: setattr(retention, attribute, value)

    return OptionManager(SETTING, [
        int_option("event.maxAge", "Event cleanup", "Days events are kept", events.max_age_days, 0, MAX_AGE_LIMIT,
                   setter(events, "max_age_days")),
        bool_option("event.maxAgeEnabled", "Event cleanup enabled", "Whether events older than event.maxAge are deleted",
                    events.max_age_enabled, setter(events, "max_age_enabled")),
        int_option("instance.id", "vCenter Server unique ID", "The instance's id (0 to 63) in MoRefs and MAC addresses",
                   instance_id, 0, 63),
        int_option("task.maxAge", "Task cleanup", "Days tasks are kept", tasks.max_age_days, 0, MAX_AGE_LIMIT,
                   setter(tasks, "max_age_days")),
        bool_option("task.maxAgeEnabled", "Task cleanup enabled", "Whether tasks older than task.maxAge are deleted",
                    tasks.max_age_enabled, setter(tasks, "max_age_enabled")),
        string_option("VirtualCenter.InstanceName", "vCenter Server name", "The name of this vCenter Server instance",
                      instance_name),
    ])  # fmt: skip
