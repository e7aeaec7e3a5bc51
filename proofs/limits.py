"""Clinical limits the requirements check against, each with its row in the domain brief.

These are the *requirements'* numbers, fixed by the domain, not the device's configuration: a
device configured with a weaker limit (an unsafe config) must fail the requirement, not redefine
it. Where a limit is a property of the device itself (its capacity, its accuracy band), the
requirement reads it from the device.
"""

from __future__ import annotations

HARD_MAX_DAILY_DOSE_UG = 1000
MIN_BOLUS_INTERVAL_MIN = 60  # A-03 (I-01)
TITRATION_STEP_PERMILLE = 300  # A-06, spinal origin (the largest)
INCREASE_INTERVAL_MIN = 1440  # at most one increase per 24 h
FIRST_INCREASE_AFTER_MIN = 1440  # no increase in the first 24 h
DECREASE_CONFIRM_PERMILLE = 200
PUMP_TUBING_UL = 140  # D-14 (corrected value)
ERI_LEAD_MIN = 129_600  # D-06: 90 days
LONG_STOP_MIN = 2880  # D-18: stops and stalls over 48 h
LOW_ALARM_LEAD_MIN = 4320  # P-02: 3 days
MAX_SERVICE_LIFE_MIN = 3_681_720  # D-05: 84 months of 30.44 days
FLOW_MIN_UL_PER_DAY, FLOW_MAX_UL_PER_DAY = 48, 24_000

SOURCES = {
    "HARD_MAX_DAILY_DOSE_UG": "A-05", "MIN_BOLUS_INTERVAL_MIN": "A-03",
    "TITRATION_STEP_PERMILLE": "A-06", "INCREASE_INTERVAL_MIN": "R-11",
    "FIRST_INCREASE_AFTER_MIN": "R-10", "DECREASE_CONFIRM_PERMILLE": "A-07",
    "PUMP_TUBING_UL": "D-14", "ERI_LEAD_MIN": "D-06", "LONG_STOP_MIN": "D-18",
    "LOW_ALARM_LEAD_MIN": "P-02", "MAX_SERVICE_LIFE_MIN": "D-05", "FLOW_MIN_UL_PER_DAY": "A-01",
}
