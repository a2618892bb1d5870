"""The streaming service's design: every number, share and accepted value of the domain, once.

The generator draws from it, the expectation suites check against it, the tests measure
against it (seeds 000 and 001, which agree). Rates are per day and hold for that day whichever
run generates it: nothing here depends on a run's window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

# --- calendar ---------------------------------------------------------------------------------

LAUNCH_DAY = date(2024, 1, 1)  # no customer signs up before the service launched
GROWTH_REFERENCE_DAY = date(2026, 1, 1)  # signups run at the scale's base rate on this day
SIGNUP_DOUBLING_DAYS = 365  # the service grows: more customers, so more sessions, recently
SIGNUP_GROWTH_CLIP_YEARS = 3  # signups stop growing (or shrinking) this far from the reference


# --- volumes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    signups_per_day: float
    content_titles: int


SCALES = {
    "tiny": Scale(signups_per_day=1, content_titles=120),
    "default": Scale(signups_per_day=30, content_titles=2_000),
    "large": Scale(signups_per_day=250, content_titles=10_000),
}


# --- plans and subscriptions ------------------------------------------------------------------

PLAN_NAMES = ("Basic", "Standard", "Premium")  # plan_id 1, 2, 3
PREMIUM = "Premium"
PLAN_SHARE = (0.40, 0.35, 0.25)
PLAN_PRICE = (8.99, 13.99, 19.99)
PLAN_STREAMS = (1, 2, 4)
PLAN_QUALITY = ("SD", "HD", "UHD")
# Plan-weighted sessions (seed 000): Premium watches more and stays longer; Basic fewer
# sessions and churns sooner. Sessions per active subscription on a weekday, at the
# engagement reference day (see the recency design below).
PLAN_SESSIONS_PER_DAY = (0.35, 0.55, 0.80)
PLAN_MEAN_SPELL_DAYS = (90.0, 150.0, 240.0)
MAX_SPELLS = 3
OPEN_ENDED_SHARE = 0.35
RESUBSCRIBE_SHARE = 0.5
PLAN_CHANGE = ((-1, 0, 1), (0.2, 0.5, 0.3))  # downgrade / same / upgrade on resubscribing
FIRST_SPELL_DELAY_DAYS = 8  # a first spell starts 0-7 days after signup
RESUBSCRIBE_GAP_DAYS = (7, 61)  # [low, high) days between spells

# --- sessions ---------------------------------------------------------------------------------

WEEKEND_FACTOR = 1.5  # seed 000: Saturdays and Sundays have 1.5x the sessions of a weekday

# Recency (seed 000: "more events in the last 14 days" of a 60-day window). A day's rows may not
# depend on the run that makes it, so the bias cannot be relative to a run's last day: it is a
# growth trend in engagement instead. Sessions per active subscription grow by a fixed rate per
# day, chosen so that in any 60-day window inside the ramp the last 14 days have
# RECENCY_FACTOR x the sessions per subscription of the 46 days before. Events (sessions) per
# day grow by that times the subscriber base's own growth (about 1.07 in 2026).
#
# 1.15 because: the gate must tell it from no bias on a 60-day window at tiny scale (about
# 15k sessions; five standard errors of the split are about 8% there), and a steady factor f
# means growing f^(365/30) a year (1.15: x5.5). A larger factor over a longer ramp makes
# volumes explode, so the trend runs over a bounded ramp and is flat outside it: before the
# ramp engagement is the ramp's first day's, after it the last day's. Windows outside the ramp
# keep only the subscriber growth; the gate expects exactly what the trend gives their days.
RECENCY_FACTOR = 1.15
RECENT_DAYS = 14
RECENCY_WINDOW_DAYS = 60
ENGAGEMENT_RAMP = (date(2026, 1, 1), date(2027, 6, 30))
# Engagement is PLAN_SESSIONS_PER_DAY on this day: the volumes of the platform's present
# (late 2026) stay what the scales promise; earlier days of the ramp are quieter.
ENGAGEMENT_REFERENCE_DAY = date(2026, 11, 1)


def _window_ratio(growth_per_day: float) -> float:
    """Mean of e^(g t) over a window's last RECENT_DAYS days / over the days before them."""
    earlier = RECENCY_WINDOW_DAYS - RECENT_DAYS
    values = [math.exp(growth_per_day * t) for t in range(RECENCY_WINDOW_DAYS)]
    return (sum(values[earlier:]) / RECENT_DAYS) / (sum(values[:earlier]) / earlier)


def _growth_for(factor: float) -> float:
    low, high = 0.0, 0.1
    for _ in range(100):  # bisection: the ratio rises with the rate
        middle = (low + high) / 2
        low, high = (middle, high) if _window_ratio(middle) < factor else (low, middle)
    return (low + high) / 2


ENGAGEMENT_GROWTH_PER_DAY = _growth_for(RECENCY_FACTOR)  # about 0.0047 (x5.5 a year)


def engagement(day: date) -> float:
    """Sessions per active subscription on ``day``, relative to PLAN_SESSIONS_PER_DAY."""
    first, last = ENGAGEMENT_RAMP
    clipped = min(max(day, first), last)
    return math.exp(ENGAGEMENT_GROWTH_PER_DAY * (clipped - ENGAGEMENT_REFERENCE_DAY).days)


# Sessions by hour of day: quiet nights, a lunch bump and an evening peak.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 4, 5, 4, 3, 3, 4, 5, 7, 9, 10, 9, 6, 3)

# --- content ----------------------------------------------------------------------------------

GENRES = ("movie", "music", "podcast")
GENRE_SHARE = (0.50, 0.30, 0.20)  # seed 000: the 50/30/20 mix, of the library and of sessions
GENRE_MIX = dict(zip(GENRES, GENRE_SHARE, strict=True))
GENRE_MINUTES = {"movie": (80, 180), "music": (3, 8), "podcast": (20, 90)}
MAX_CONTENT_MINUTES = 240
LIBRARY_START = date(2015, 1, 1)  # release dates run from here to the launch
POPULARITY_EXPONENT = 0.8  # a few hits and a long tail within each genre (Zipf-like)

# --- watching ---------------------------------------------------------------------------------

# seed 000: duration_watched is 25-100% of the content's length, Premium skewed to >= 70%:
# every Premium session watches at least 70%, the others anywhere from 25%.
MIN_WATCHED = 0.25
PREMIUM_MIN_WATCHED = 0.70
# completion = watched fraction + noise, clipped (seed 000); Premium has the higher ceiling.
COMPLETION_NOISE = {PREMIUM: (-0.05, 0.10), "other": (-0.05, 0.05)}
COMPLETION_CLIP = (0.05, 1.0)
WATCHED_ROUNDING = 0.005  # duration_watched is rounded to the hundredth of a minute

# --- customers --------------------------------------------------------------------------------

REGIONS = ("Northeast", "Midwest", "South", "West")
REGION_SHARE = (0.18, 0.21, 0.38, 0.23)
DEVICES = ("mobile", "smart_tv", "web", "tablet")
DEVICE_SHARE = (0.45, 0.30, 0.15, 0.10)
PRIMARY_DEVICE_LOYALTY = 0.7  # of sessions are on the customer's primary device
# --- checks -----------------------------------------------------------------------------------

# How far an observed split of sessions may stray from its design, in standard errors of the
# binomial split. Five, not the bronze gate's four: each run makes several such comparisons and
# a false alarm stops the pipeline, while a missing rule (no weekend boost, no recency, equal
# plans) is more than eight standard errors off even on tiny's 60-day windows.
SPLIT_STANDARD_ERRORS = 5
MIN_DAYS_WEEKEND = 14  # two full weeks before weekends are compared with weekdays
MIN_DAYS_RECENCY = RECENT_DAYS * 2  # 14 recent days and at least 14 before them
