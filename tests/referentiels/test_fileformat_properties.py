"""Properties of the référentiel file format that examples cannot cover: any input is either a
spec or a list of problems, and a spec survives its own canonical form."""

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from certipro.referentiels.fileformat import ReferentielFileError
from tests.referentiels.test_fileformat import DECLARANTS, parse, valid


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)), st.sampled_from(["yaml", "json"]))
def test_any_input_gives_a_spec_or_problems_never_another_exception(text: Any, suffix: str) -> None:
    try:
        parse(text, f"r.{suffix}")
    except ReferentielFileError as exc:
        assert exc.problems


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
json_values = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids)
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([*valid(), "axes"]),
    st.sampled_from([*valid()["action_types"][1], "x"]),
    json_values,
    json_values,
)
def test_any_value_in_any_field_gives_a_spec_or_problems(
    field: str, action_field: str, value: Any, action_value: Any
) -> None:
    document = valid()
    document["action_types"][1][action_field] = action_value
    document[field] = value
    try:
        parse(json.dumps(document), "r.json")
    except ReferentielFileError as exc:
        assert exc.problems


action_types = st.lists(
    st.fixed_dictionaries(
        {
            "title": st.text(min_size=1, max_size=20).filter(str.strip),
            "axes": st.sets(st.integers(1, 4), min_size=1).map(sorted),
            "declarable_by": st.sets(st.sampled_from(DECLARANTS.split(", ")), min_size=1),
            "evidence": st.sampled_from(["required", "optional", "none"]),
        }
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(action_types, st.integers(0, 3), st.sampled_from(["count_once", "count_in_each"]))
def test_canonical_dict_round_trips_through_json(
    types: list[dict[str, Any]], minimum: int, multi_axis: str
) -> None:
    covered = {axis for item in types for axis in item["axes"]}
    document = valid() | {"minimum_per_axis": minimum, "multi_axis": multi_axis, "axes": {}}
    document["axes"] = {str(axis): {"minimum": 0} for axis in range(1, 5) if axis not in covered}
    document["action_types"] = [
        item | {"code": f"T-{i}", "declarable_by": sorted(item["declarable_by"])}
        for i, item in enumerate(types)
    ]
    spec = parse(json.dumps(document), "r.json")
    again = parse(json.dumps(spec.to_canonical_dict()), "r.json")
    assert again == spec and again.content_hash() == spec.content_hash()
