"""Quote location: exact, ambiguous, absent (with the nearest passage), and offsets."""

import pytest

from peacekg.mapping.quotes import QuoteError, locate

TEXT = "Since 2014, 45 Kazakhstani officers have participated. Since 2018, 520 served."


def test_locates_exact_quote_with_offsets_and_context():
    span = locate(TEXT, "45 Kazakhstani officers")
    assert TEXT[span.start : span.end] == "45 Kazakhstani officers"
    assert span.prefix.endswith("Since 2014, ")
    assert span.suffix.startswith(" have participated")


def test_ambiguous_quote_needs_an_occurrence():
    with pytest.raises(QuoteError, match="occurs 2 times"):
        locate(TEXT, "Since 20")
    assert locate(TEXT, "Since 20", occurrence=2).start == TEXT.index("Since 2018")


def test_occurrence_out_of_range_is_refused():
    with pytest.raises(QuoteError, match="occurs 1 time"):
        locate(TEXT, "520", occurrence=2)


def test_missing_quote_names_the_nearest_passage():
    with pytest.raises(QuoteError) as info:
        locate(TEXT, "45 Kazakhstani oficers")
    message = str(info.value)
    assert "quote not found" in message
    assert "Kazakhstani officers" in message


def test_no_normalisation_of_case_or_quotes():
    with pytest.raises(QuoteError):
        locate(TEXT, "since 2014")
    with pytest.raises(QuoteError):
        locate("He said “yes”.", 'He said "yes".')


def test_empty_quote_is_refused():
    with pytest.raises(QuoteError, match="empty"):
        locate(TEXT, "  ")
