"""The streaming service's design: every number, share and accepted value of the domain, once.

The generator draws from it, the expectation suites check against it, the tests measure
against it (seeds 000 and 001, which agree). Rates are per day and hold for that day whichever
run generates it: nothing here depends on a run's window.
"""

from __future__ import annotations

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
