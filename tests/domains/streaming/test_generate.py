"""Property tests of the streaming generator against every behavioural rule of seeds 000/001.

Tolerances follow from the sample: a 60-day window at default scale has ~550k sessions, so a
share's standard error is under 0.001 and the bands below are tens of standard errors wide.
"""

from __future__ import annotations

import filecmp
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from include.domains.streaming import design as d
from include.elt.contract.domain import load_domain
from include.elt.core.days import Days
from include.elt.stages.generate import generate

END = date(2026, 11, 20)
PREMIUM_ID = d.PLAN_NAMES.index(d.PREMIUM) + 1
WINDOW = Days.ending(END, 60)


@pytest.fixture(scope="module")
def domain():
    return load_domain("streaming")


@pytest.fixture(scope="module")
def frames(domain) -> dict[str, pd.DataFrame]:
    parts = domain.generate(WINDOW, scale="default", seed=7)
    return {name: part.table.to_pandas() for name, part in parts.items()}


@pytest.fixture(scope="module")
def sessions(frames) -> pd.DataFrame:
    usage = frames["usage_logs"].merge(frames["content"], on="content_id", validate="m:1")
    usage = usage.merge(
        frames["subscriptions"], on="subscription_id", suffixes=("", "_sub"), validate="m:1"
    )
    usage["day"] = usage["session_start"].dt.normalize()
    usage["fraction"] = usage["duration_watched"] / usage["duration_minutes"]
    return usage


def test_sessions_follow_the_50_30_20_genre_mix(sessions):
    share = sessions["genre"].value_counts(normalize=True)
    assert share.to_dict() == pytest.approx(d.GENRE_MIX, abs=0.01)


def test_content_library_follows_the_genre_mix(frames):
    share = frames["content"]["genre"].value_counts(normalize=True)
    assert share.to_dict() == pytest.approx(d.GENRE_MIX, abs=0.001)


def test_premium_completes_more(sessions):
    # weekends, plan-weighted sessions and recency: test_design.py, at two seeds and scales
    completion = sessions.groupby("plan_id")["completion_rate"].mean()
    assert completion[3] > completion[2] + 0.1
    assert completion[3] > completion[1] + 0.1


def test_watched_duration_is_25_to_100_percent_and_premium_at_least_70(sessions):
    tolerance = d.WATCHED_ROUNDING / sessions["duration_minutes"]
    assert (sessions["fraction"] >= d.MIN_WATCHED - tolerance).all()
    assert (sessions["fraction"] <= 1.0).all()
    premium = sessions[sessions["plan_id"] == PREMIUM_ID]
    assert (premium["fraction"] >= d.PREMIUM_MIN_WATCHED - tolerance[premium.index]).all()
    assert (sessions.loc[sessions["plan_id"] != PREMIUM_ID, "fraction"] < 0.70).any()


def test_completion_is_watched_fraction_plus_noise_clipped(sessions):
    completion = sessions["completion_rate"]
    assert completion.between(*d.COMPLETION_CLIP).all()
    # both sides are rounded: duration to 0.01 minute, completion to 0.0001
    rounding = d.WATCHED_ROUNDING / sessions["duration_minutes"] + 0.0001
    noise = completion - sessions["fraction"]
    unclipped = completion < 1.0
    low, high = d.COMPLETION_NOISE[d.PREMIUM]
    assert (noise[unclipped] >= low - rounding[unclipped]).all()
    assert (noise[unclipped] <= high + rounding[unclipped]).all()
    basic_or_standard = unclipped & (sessions["plan_id"] != PREMIUM_ID)
    other_high = d.COMPLETION_NOISE["other"][1]
    assert (noise[basic_or_standard] <= other_high + rounding[basic_or_standard]).all()
    assert (completion == 1.0).any(), "noise above a full watch clips to 1"


def test_sessions_lie_in_the_window_with_more_in_the_last_14_days(sessions):
    first = pd.Timestamp(WINDOW.start)
    assert sessions["session_start"].min() >= first
    assert sessions["session_start"].max() < pd.Timestamp(WINDOW.end + timedelta(days=1))
    daily = sessions.groupby("day").size()
    recent = daily[daily.index > pd.Timestamp(END - timedelta(days=14))]
    earlier = daily[daily.index <= pd.Timestamp(END - timedelta(days=14))]
    assert len(recent) == 14 and len(earlier) == 46
    assert recent.mean() > d.RECENCY_FACTOR * earlier.mean()


def test_no_usage_outside_an_active_subscription_of_the_customer(sessions):
    day = sessions["day"]
    assert (sessions["customer_id"] == sessions["customer_id_sub"]).all()
    assert (day >= pd.to_datetime(sessions["start_date"])).all()
    ends = pd.to_datetime(sessions["end_date"])
    assert (ends.isna() | (day <= ends)).all()


def test_subscriptions_start_on_or_after_signup_and_lapse(frames):
    subs = frames["subscriptions"].merge(frames["customers"], on="customer_id", validate="m:1")
    assert (subs["start_date"] >= subs["signup_date"]).all()
    ended = subs["end_date"].notna()
    assert (subs.loc[ended, "end_date"] >= subs.loc[ended, "start_date"]).all()
    assert 0.2 < ended.mean() < 0.9, "some customers lapse, some stay subscribed"


def test_plan_mix_and_keys(frames):
    share = frames["subscriptions"]["plan_id"].value_counts(normalize=True)
    assert share.to_dict() == pytest.approx(dict(enumerate(d.PLAN_SHARE, 1)), abs=0.03)
    for name, key in [
        ("customers", "customer_id"),
        ("subscriptions", "subscription_id"),
        ("usage_logs", "usage_id"),
        ("content", "content_id"),
    ]:
        assert frames[name][key].is_unique, name


def test_names_and_emails_are_realistic(frames):
    customers = frames["customers"]
    assert customers["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+").all()
    assert customers["name"].str.fullmatch(r"\S+ \S+.*").all()
    assert customers["name"].nunique() > 0.5 * len(customers)


def test_same_seed_gives_byte_identical_files(domain, tmp_path):
    window = Days.ending(END, 5)
    a = generate(domain, window, scale="tiny", seed=11, out_dir=tmp_path / "a")
    b = generate(domain, window, scale="tiny", seed=11, out_dir=tmp_path / "b")
    generate(domain, window, scale="tiny", seed=12, out_dir=tmp_path / "c")
    names = [f.file for f in a.files]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert match == names and not mismatch and not errors
    assert not filecmp.cmp(
        tmp_path / "a" / "usage_logs.csv", tmp_path / "c" / "usage_logs.csv", shallow=False
    )
    assert [f.rows for f in a.files] == [f.rows for f in b.files]


def test_a_window_is_the_union_of_its_days(domain):
    window = Days.ending(END, 3)
    whole = domain.generate(window, scale="tiny", seed=3)
    days = [domain.generate(Days(d, d), scale="tiny", seed=3) for d in window]
    union = pa.concat_tables([d["usage_logs"].table for d in days])
    assert union.equals(whole["usage_logs"].table)
    assert days[-1]["customers"].table.equals(whole["customers"].table)
    assert days[-1]["subscriptions"].table.equals(whole["subscriptions"].table)


def test_unknown_scale_and_early_window_are_refused(domain, tmp_path):
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        domain.generate(Days.ending(END, 1), scale="huge", seed=1)
    with pytest.raises(ValueError, match="before its earliest day"):
        generate(
            domain,
            Days(date(2023, 12, 1), date(2023, 12, 2)),
            scale="tiny",
            seed=1,
            out_dir=tmp_path,
        )


def test_generator_logs_counts_mix_coverage_and_path(domain, tmp_path, caplog):
    caplog.set_level("INFO")
    generate(domain, Days.ending(END, 2), scale="tiny", seed=1, out_dir=tmp_path / "run")
    text = caplog.text
    assert "usage_logs: " in text and str(tmp_path / "run" / "usage_logs.csv") in text
    assert "genre mix: {'movie': 0.5, 'music': 0.3, 'podcast': 0.2}" in text
    assert "session_start coverage: 2026-11-19" in text
    assert np.all([not p.name.endswith(".partial") for p in tmp_path.iterdir()])
