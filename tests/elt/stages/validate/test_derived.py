"""The checks a model's declaration implies, beside its suite."""

from __future__ import annotations

from include.elt.contract.domain import load_domain
from include.elt.contract.models import models
from include.elt.stages.validate.derived import derived_checks

STREAMING = {m.name: m for m in models(load_domain("streaming"))}


def _descriptions(name: str, **asked) -> list[str]:
    given = dict(key_type="bigint", published=True, incremental=True, keys_matter=True)
    checks = derived_checks(STREAMING[name], STREAMING, **{**given, **asked})
    return [c.description or type(c).__name__ for c in checks]


def test_a_days_model_rebuilt_in_part_is_unique_across_all_its_days():
    assert "usage_id is unique across all days, not only the changed ones" in _descriptions(
        "usage_logs"
    )
    assert not any("across all days" in d for d in _descriptions("usage_logs", incremental=False))


def test_every_foreign_key_is_checked_against_the_next_state_of_its_parent():
    described = _descriptions("usage_logs")
    for fk in STREAMING["usage_logs"].foreign_keys:
        parent = STREAMING[fk.model]
        assert f"{fk.column} references {parent.qualified}.{fk.parent_column}" in described


def test_a_published_key_others_refer_to_is_never_lost_but_a_merge_replaces_no_keys():
    def kept(name: str, **asked) -> bool:
        return any(d.startswith("no key published") for d in _descriptions(name, **asked))

    assert kept("customers", incremental=False) and kept("usage_logs")
    assert not kept("customer_totals")
    assert not kept("customers", incremental=False, keys_matter=False)
