"""Small helpers on iterables shared by the batch paths (imports, recomputes, loaders)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last one shorter), consuming `items` lazily: a stream stays a
    stream. (itertools.batched arrives with Python 3.12; the floor here is 3.11.)"""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
