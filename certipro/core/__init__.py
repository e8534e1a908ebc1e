"""What is not domain: SQL helpers, the command base, admin mixins, iterables.

Imports nothing of the project (make lint checks it).
"""
