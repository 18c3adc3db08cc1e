"""Keep the tests with the real model on one pytest-xdist worker (``--dist loadgroup``).

They share the session's trained models (the crisis model trains once, about five minutes);
spread over two workers, one trains while the other waits on the training lock. xdist 3.8 groups
by a suffix on the node id (``tests/test_x.py::test_y@model``) that it writes to
``item._nodeid``, which pytest 9 no longer reads (the id lives in ``item._id``): its own
``xdist_group`` marks were ignored, and both workers waited. So the suffix is set here.
"""

from __future__ import annotations

import pytest

GROUP = "model"


def group_model_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test marked ``model`` the group suffix, when xdist distributes by group."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import coerce_node_id

    suffix = f"@{GROUP}"
    for item in items:
        if item.get_closest_marker("model") is not None and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)
