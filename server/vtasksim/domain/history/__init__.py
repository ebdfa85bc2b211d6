"""Task and event history, as vSphere keeps it: what happened, kept for a while, read page by page.

``task_history`` keeps every task in creation order and lets completed ones go by age and count
(vCenter's ``task.maxAge``); ``event_manager`` records the events tasks raise. Both are read
through history collectors (``history_collector``): a filter, a "viewable latest page" property
collectors can watch, and a scrollable view read forwards and backwards.
"""
