"""The vim data types the domain models as dataclasses, by WSDL name.

Arguments of these types are read into those dataclasses; any other data object is read as a
generic :class:`~vtasksim.domain.vmodl.DataObject`.
"""

from __future__ import annotations

from typing import Any, Callable

from vtasksim.domain import query
from vtasksim.domain import task
from vtasksim.domain.history import event_filter, task_filter
from vtasksim.domain.options import option_manager
from vtasksim.domain.vmodl import KeyAnyValue, LocalizableMessage, LocalizedMethodFault

MODELLED_TYPES: dict[str, Callable[..., Any]] = {
    cls.vim_type: cls
    for cls in (
        KeyAnyValue,
        LocalizableMessage,
        LocalizedMethodFault,
        query.PropertyFilterSpec,
        query.PropertySpec,
        query.ObjectSpec,
        query.SelectionSpec,
        query.TraversalSpec,
        query.RetrieveOptions,
        query.WaitOptions,
        task.TaskReasonSystem,
        task.TaskReasonUser,
        task.TaskReasonAlarm,
        task.TaskReasonSchedule,
        task_filter.TaskFilterSpec,
        task_filter.TaskFilterSpecByEntity,
        task_filter.TaskFilterSpecByTime,
        task_filter.TaskFilterSpecByUsername,
        event_filter.EventFilterSpec,
        event_filter.EventFilterSpecByEntity,
        event_filter.EventFilterSpecByTime,
        event_filter.EventFilterSpecByUsername,
        option_manager.OptionValue,
    )
}
