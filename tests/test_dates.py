"""Finding printed dates: every common form, located, never more precise than printed."""

from __future__ import annotations

import datetime as dt

import pytest

from peacekg.drafting.dates import find_dates

FORMS = [
    ("on 31/10/2023 - 09:48", "31/10/2023", "2023-10-31", "day"),
    ("Фото: Kazinfrom 30.06.2022 164", "30.06.2022", "2022-06-30", "day"),
    ("By Jane Doe January 20, 2024", "January 20, 2024", "2024-01-20", "day"),
    ("on 20 January 2024 at noon", "20 January 2024", "2024-01-20", "day"),
    ("issued 2024-01-20T10:00", "2024-01-20", "2024-01-20", "day"),
    ("Jan. 20, 2024, 10:15 a.m.", "Jan. 20, 2024", "2024-01-20", "day"),
    ("the 20th of January, 2024", "20th of January, 2024", "2024-01-20", "day"),
    ("SEPT. 5, 2023", "SEPT. 5, 2023", "2023-09-05", "day"),
    ("a US page dated 10/31/2023", "10/31/2023", "2023-10-31", "day"),
    ("scheduled for March 2024", "March 2024", "2024-03", "month"),
    ("on January 19 the deputies", "January 19", "--01-19", "month-day"),
    ("ALMATY, Jan 8 (Reuters) -", "Jan 8", "--01-08", "month-day"),
    ("since 2014, 45 officers", "2014", "2014", "year"),
    ("in 2019 the force grew", "2019", "2019", "year"),
    ("a photo dated 05/06/2023", "05/06/2023", "2023", "year"),  # day or month first?
]


@pytest.mark.parametrize(("text", "words", "value", "precision"), FORMS)
def test_each_form_is_found_at_its_precision(text: str, words: str, value: str, precision: str):
    (found,) = find_dates(text)
    assert (found.text, found.value, found.precision) == (words, value, precision)
    assert text[found.start : found.end] == words


@pytest.mark.parametrize(
    "text",
    [
        "2000 troops were sent",  # a count, not a year
        "15,000 personnel and 4.5 million munitions",
        "on 31/02/2023",  # no such day
        "they may return",  # the verb, not the month
        "about $2024 in fees",
    ],
)
def test_numbers_that_are_not_dates(text: str):
    assert find_dates(text) == []


@pytest.mark.parametrize("text", ["served 1992-1995 in Croatia", "served 1992–1995 in Croatia"])
def test_a_range_of_years_is_two_years(text: str):
    assert [d.value for d in find_dates(text)] == ["1992", "1995"]


def test_lines_offsets_and_bounds():
    text = "Headline\n\nSince 2018, and on April 25, 2013,\nthe mission (March 2024) grew."
    found = find_dates(text)
    assert [(d.text, d.line) for d in found] == [
        ("2018", 3),
        ("April 25, 2013", 3),
        ("March 2024", 4),
    ]
    assert all(text[d.start : d.end] == d.text for d in found)
    assert found[2].first_day() == dt.date(2024, 3, 1)
    assert found[0].first_day() == dt.date(2018, 1, 1)
    (yearless,) = find_dates("on June 30 of this year")
    assert yearless.first_day() is None
