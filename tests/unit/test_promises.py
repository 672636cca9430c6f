"""Promise extraction across zones and DST changes, rolling, past times and ambiguity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promisedesk.domain.errors import InvalidInput
from promisedesk.domain.promises import PAST_WINDOW, extract_promises

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))  # type: ignore[misc]


def dues(text: str, now: datetime, tz: str) -> list[datetime]:
    return [p.due for p in extract_promises(text, now, tz).promises]


def codes(text: str, now: datetime, tz: str) -> list[str]:
    return [f.code for f in extract_promises(text, now, tz).findings]


# Tuesday 10 March 2026, 09:00 in London (GMT, before the clocks change on 29 March).
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I will update you by 10:00.", datetime(2026, 3, 10, 10, 0, tzinfo=UTC)),
        ("I'll call you at 2pm tomorrow.", datetime(2026, 3, 11, 14, 0, tzinfo=UTC)),
        ("Next update in 45 minutes.", NOW + timedelta(minutes=45)),
        ("We expect a fix within 2 hours.", NOW + timedelta(hours=2)),
        ("You'll hear from me no later than 16:30.", datetime(2026, 3, 10, 16, 30, tzinfo=UTC)),
        ("Monday by 9am you will have the report.", datetime(2026, 3, 16, 9, 0, tzinfo=UTC)),
        ("I'll update you at 14:00 CET.", datetime(2026, 3, 10, 13, 0, tzinfo=UTC)),
        ("Next update: tomorrow at 09:00 GMT.", datetime(2026, 3, 11, 9, 0, tzinfo=UTC)),
        ("I'll update you by 10 a.m. tomorrow.", datetime(2026, 3, 11, 10, 0, tzinfo=UTC)),
        ("I'll get back to you by 5:30.", datetime(2026, 3, 10, 17, 30, tzinfo=UTC)),
        ("Next update by noon.", datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),
        ("I'll update you in half an hour.", NOW + timedelta(minutes=30)),
        ("It will be ready in 2-3 hours.", NOW + timedelta(hours=3)),
        ("I'll confirm by 8 tonight.", datetime(2026, 3, 10, 20, 0, tzinfo=UTC)),
        ("I'll update you by Friday 13 March at 10:00.", datetime(2026, 3, 13, 10, 0, tzinfo=UTC)),
        ("I'll call you at 18:00 GMT+5:30.", datetime(2026, 3, 10, 12, 30, tzinfo=UTC)),
        ("I'll update you by 11:00 ET.", datetime(2026, 3, 10, 15, 0, tzinfo=UTC)),
    ],
)
def test_each_form_of_promise_is_read(text: str, expected: datetime) -> None:
    result = extract_promises(text, NOW, "Europe/London")
    assert [p.due for p in result.promises] == [expected]
    assert result.findings == ()
    assert result.promises[0].due.tzinfo is UTC
    assert result.promises[0].sentence == text


def test_promise_keeps_its_span_and_sentence() -> None:
    text = "Thanks for waiting. We restarted it at 08:10. Next update by 10:00, as agreed."
    (promise,) = extract_promises(text, NOW, "Europe/London").promises
    assert text[promise.start : promise.end] == "Next update by 10:00" == promise.phrase
    assert promise.sentence == "Next update by 10:00, as agreed."


@pytest.mark.parametrize(
    "text",
    [
        "The 10:00 meeting yesterday was fine.",
        "We restarted the server at 10:00 and it has been stable since.",
        "Please send the logs by 15:00.",
        "If it is not back by 14:00, call the service desk.",
        "Could you be free at 3pm tomorrow?",
        "Engineers will be on site at 3 sites.",
        "Traffic dropped by 50% at 10.",
        "Version 10.15 fixes it.",
        "Most users were back online by 11:30.",
        "The outage started at 08:15 this morning.",
        "Errors appeared within 2 hours of the change.",
    ],
)
def test_things_that_are_not_promises(text: str) -> None:
    result = extract_promises(text, NOW, "Europe/London")
    assert result.promises == () and result.findings == ()


def test_a_time_that_passed_long_ago_rolls_to_tomorrow() -> None:
    evening = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)
    assert dues("I'll update you by 9am.", evening, "Europe/London") == [
        datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    ]
    assert dues("I'll update you by 09:00.", evening, "Europe/London") == [
        datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    ]
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    assert dues("Next update by 00:30.", late, "Europe/London") == [
        datetime(2026, 3, 11, 0, 30, tzinfo=UTC)
    ]
    assert dues("Next update by midnight.", datetime(2026, 3, 10, 22, 0, tzinfo=UTC), "UTC") == [
        datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    ]


def test_a_time_that_just_passed_is_a_past_finding_not_a_promise() -> None:
    eleven = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    result = extract_promises("I will update you by 10:00.", eleven, "Europe/London")
    assert result.promises == ()
    (finding,) = result.findings
    assert finding.code == "past"
    assert finding.candidates == (datetime(2026, 3, 10, 10, 0, tzinfo=UTC),)
    assert "already passed" in finding.message


def test_today_never_rolls() -> None:
    afternoon = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert codes("Next update today at 08:00.", afternoon, "Europe/London") == ["past"]
    assert codes("Next update this morning at 7:30.", afternoon, "Europe/London") == ["past"]


def test_a_bare_hour_whose_daytime_reading_passed_is_ambiguous() -> None:
    eleven = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    result = extract_promises("I'll update you by 10.", eleven, "Europe/London")
    assert result.promises == ()
    (finding,) = result.findings
    assert finding.code == "ambiguous"
    assert finding.candidates == (
        datetime(2026, 3, 10, 22, 0, tzinfo=UTC),
        datetime(2026, 3, 11, 10, 0, tzinfo=UTC),
    )
    # Still ahead, or pinned by a day word or am/pm: not ambiguous.
    assert dues("I'll update you by 10.", NOW - timedelta(hours=2), "Europe/London")
    assert dues("I'll update you by 10pm.", eleven, "Europe/London")
    assert dues("I'll update you tomorrow by 10.", eleven, "Europe/London") == [
        datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    ]


@pytest.mark.parametrize(
    ("tz", "now", "text", "expected"),
    [
        # New York springs forward on 8 March 2026: 09:00 EDT is 13:00 UTC.
        (
            "America/New_York",
            local("America/New_York", 2026, 3, 7, 12, 0),
            "I'll update you by 9am Monday.",
            datetime(2026, 3, 9, 13, 0, tzinfo=UTC),
        ),
        (
            "America/New_York",
            local("America/New_York", 2026, 3, 7, 12, 0),
            "I'll update you by 9am tomorrow.",
            datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
        ),
        # Kolkata has no DST and a half-hour offset.
        (
            "Asia/Kolkata",
            local("Asia/Kolkata", 2026, 7, 1, 10, 0),
            "Next update by 14:30.",
            datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
        ),
        (
            "Asia/Kolkata",
            local("Asia/Kolkata", 2026, 7, 1, 10, 0),
            "Next update at 14:00 CET.",
            datetime(2026, 7, 1, 13, 0, tzinfo=UTC),
        ),
        # Lord Howe moves its clocks by 30 minutes: +11:00 to +10:30 on 5 April 2026.
        (
            "Australia/Lord_Howe",
            local("Australia/Lord_Howe", 2026, 4, 4, 12, 0),
            "I'll update you by 9am tomorrow.",
            datetime(2026, 4, 4, 22, 30, tzinfo=UTC),
        ),
        (
            "Australia/Lord_Howe",
            local("Australia/Lord_Howe", 2026, 4, 4, 12, 0),
            "I'll update you by 16:00.",
            datetime(2026, 4, 4, 5, 0, tzinfo=UTC),
        ),
        # London in summer: BST.
        (
            "Europe/London",
            local("Europe/London", 2026, 7, 1, 9, 0),
            "I'll update you by 10:00.",
            datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_local_times_convert_to_utc_across_zones_and_dst(
    tz: str, now: datetime, text: str, expected: datetime
) -> None:
    assert dues(text, now, tz) == [expected]


def test_a_time_in_the_spring_forward_gap_moves_forward_and_is_reported() -> None:
    # London skips 01:00-02:00 on 29 March 2026; 01:30 is read as 02:30 BST (01:30 UTC).
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    result = extract_promises("I'll check it by 01:30 tomorrow.", now, "Europe/London")
    assert [p.due for p in result.promises] == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert [f.code for f in result.findings] == ["dst-gap"]


def test_a_time_in_the_fall_back_overlap_means_the_first_occurrence() -> None:
    # London repeats 01:00-02:00 on 25 October 2026; 01:30 BST (00:30 UTC) comes first.
    now = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    result = extract_promises("I'll check it by 01:30 tomorrow.", now, "Europe/London")
    assert [p.due for p in result.promises] == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]
    assert [f.code for f in result.findings] == ["dst-overlap"]


def test_lord_howe_half_hour_overlap() -> None:
    # 01:30-02:00 happens twice on 5 April 2026; the first is at +11:00.
    now = local("Australia/Lord_Howe", 2026, 4, 4, 12, 0)
    result = extract_promises("Next update at 01:45 tomorrow.", now, "Australia/Lord_Howe")
    assert [p.due for p in result.promises] == [datetime(2026, 4, 4, 14, 45, tzinfo=UTC)]
    assert [f.code for f in result.findings] == ["dst-overlap"]


def test_naive_now_and_unknown_zone_are_refused() -> None:
    with pytest.raises(InvalidInput):
        extract_promises("by 10:00", datetime(2026, 3, 10, 9, 0), "UTC")  # noqa: DTZ001
    with pytest.raises(InvalidInput, match="Unknown time zone 'Mars/Olympus'"):
        extract_promises("by 10:00", NOW, "Mars/Olympus")


# Hypothesis wants naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@settings(max_examples=200, deadline=None)
@given(now=instants, tz=st.sampled_from(ZONES), hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_a_clock_time_is_a_future_promise_or_a_recent_past(
    now: datetime, tz: str, hour: int, minute: int
) -> None:
    result = extract_promises(f"I will update you by {hour:02d}:{minute:02d}.", now, tz)
    assert len(result.promises) + len([f for f in result.findings if f.code == "past"]) == 1
    zone = ZoneInfo(tz)
    for p in result.promises:
        assert p.due.tzinfo is UTC and p.due > now
        assert p.due - now <= timedelta(days=1, hours=1)
        shown = p.due.astimezone(zone)
        gap = any(f.code == "dst-gap" for f in result.findings)
        assert gap or (shown.hour, shown.minute) == (hour, minute)
    for f in result.findings:
        if f.code == "past":
            assert f.candidates[0] <= now and now - f.candidates[0] <= PAST_WINDOW


@settings(max_examples=100, deadline=None)
@given(now=instants, tz=st.sampled_from(ZONES), minutes=st.integers(1, 600))
def test_relative_promises_are_exact(now: datetime, tz: str, minutes: int) -> None:
    assert dues(f"Next update in {minutes} minutes.", now, tz) == [now + timedelta(minutes=minutes)]


@settings(max_examples=200, deadline=None)
@given(
    now=instants,
    tz=st.sampled_from(ZONES),
    text=st.lists(
        st.sampled_from(
            [
                "I'll update you ",
                "by ",
                "at ",
                "10",
                ":30",
                "pm",
                " tomorrow",
                " Monday",
                " CET",
                " in 45 minutes",
                "within ",
                "2 hours",
                ". ",
                "We restarted it ",
                "please ",
                "no later than ",
                "noon",
                "7",
            ]
        ),
        max_size=12,
    ).map("".join),
)
def test_any_text_gives_aware_future_promises(now: datetime, tz: str, text: str) -> None:
    result = extract_promises(text, now, tz)
    for p in result.promises:
        assert p.due.tzinfo is UTC and p.due > now
        assert text[p.start : p.end] == p.phrase
    for f in result.findings:
        assert all(c.tzinfo is UTC for c in f.candidates)
        if f.code == "past":
            assert f.candidates[0] <= now
