"""A proposed fourth speed-up for `rotativa_tools.local.moto_patches`: a query reads a window.

The local cloud's query patch hands moto one partition instead of the whole table, but
moto still sorts that partition with `DynamoType` comparisons (slow Python `__lt__`) and
walks all of it to apply the key condition and the limit. A listing partition grows with
the site (`list#section:sesto-san-giovanni` holds 3,000 memberships at 10,000 articles),
so every `newest 20` or `how many are newer` costs O(P log P) Python comparisons and the
local publish slows down as N grows although its calls do not.

This patch hands moto only the window the answer can come from: the partition sorted by
the raw key values (C-speed string or number comparisons), cut with `bisect` to the key
condition (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `BEGINS_WITH`), and, when there is a
`Limit` and no filter or start key, to the first `Limit + 1` items in the query's
direction (one more than asked, so moto still reports `LastEvaluatedKey`). Everything
else (projection, COUNT, paging, GSIs) is moto's own code on a shorter list: same answers.

It is applied by `benchmarks.pipeline` when asked (`--moto-window`), to show the
difference; the proposal is to move `_window` into moto_patches.py's `_query`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from moto.dynamodb.models.table import Table

from rotativa_tools.local import moto_patches

_applied = False


def _value(item: Any) -> Any:
    return item.range_key.cast_value


def window(table: Table, hash_key: Any, arguments: dict[str, Any]) -> list[Any]:
    """The items of the partition that can be in the query's answer, in key order, and
    the one after them in the query's direction: moto reports `LastEvaluatedKey` when an
    item follows the last one a `Limit` let in, whether it matches or not."""
    items = sorted((table.items.get(hash_key) or {}).values(), key=_value)
    comparison = arguments.get("range_comparison")
    values = [v.cast_value for v in arguments.get("range_objs") or []]
    keys = [_value(item) for item in items]
    start, end = 0, len(items)
    if comparison in ("=", "EQ"):
        start, end = bisect_left(keys, values[0]), bisect_right(keys, values[0])
    elif comparison in (">", "GT"):
        start = bisect_right(keys, values[0])
    elif comparison in (">=", "GE"):
        start = bisect_left(keys, values[0])
    elif comparison in ("<", "LT"):
        end = bisect_left(keys, values[0])
    elif comparison in ("<=", "LE"):
        end = bisect_right(keys, values[0])
    elif comparison == "BETWEEN":
        start, end = bisect_left(keys, values[0]), bisect_right(keys, values[1])
    elif comparison == "BEGINS_WITH":
        start = end = bisect_left(keys, values[0])
        while end < len(keys) and str(keys[end]).startswith(str(values[0])):
            end += 1
    elif comparison:
        return items  # anything else: moto compares them all, as before
    forward = arguments.get("scan_index_forward") is not False
    chosen = items[start : end + 1] if forward else items[max(0, start - 1) : end]
    limit = arguments.get("limit")
    plain = (
        not arguments.get("exclusive_start_key")
        and arguments.get("filter_expression") is None
        and not arguments.get("filter_kwargs")
    )
    if limit and plain:
        chosen = chosen[: limit + 1] if forward else chosen[-(limit + 1) :]
    return chosen


def _query(self: Table, *args: Any, **kwargs: Any) -> Any:
    bound = moto_patches._query_signature.bind(self, *args, **kwargs)
    arguments = dict(bound.arguments)
    hash_key = arguments.get("hash_key")
    if arguments.get("index_name") or hash_key is None or self.range_key_attr is None:
        return moto_patches._original_query(self, *args, **kwargs)
    moto_patches._partition.current = (self, window(self, hash_key, arguments))
    try:
        return moto_patches._original_query(self, *args, **kwargs)
    finally:
        moto_patches._partition.current = None


def apply() -> None:
    """On top of the local cloud's patches (call after `moto_patches.apply()`)."""
    global _applied
    moto_patches.apply()
    if not _applied:
        Table.query = _query  # type: ignore[method-assign]
        _applied = True
