"""The only writers of use cases that span apps (design.md; Zulip's `actions/`).

Each entry point does its transaction, its audit entries, the refresh of the status snapshots it
affects and its notifications. Pages, the API, commands and tasks call them; nothing below
imports them (docs/decisions/0006-layers.md).
"""
