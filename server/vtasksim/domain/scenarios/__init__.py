"""Scenarios: what happens to tasks over time (timelines), and what the server answers instead
of the truth (fault rules). Plain data, driven by the domain's clock and applied through the same
domain methods the vim calls use, so every rule of the reference holds for them too."""
