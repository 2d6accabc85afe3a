"""The changes between two texts of a policy: whole lines added and removed, a changed line
word by word, and unchanged lines far from any change left out."""

from consent_service.services.policy_changes import Change, Piece, compare


def test_the_same_text_has_no_changes() -> None:
    assert compare("one\ntwo", "one\ntwo") == []


def test_a_word_added_in_a_line_is_marked_in_that_line() -> None:
    [hunk] = compare("We keep your address.", "We keep your email address.")

    [line] = hunk
    assert line.change is Change.CHANGED
    assert line.pieces == (
        Piece(Change.SAME, "We keep your "),
        Piece(Change.ADDED, "email "),
        Piece(Change.SAME, "address."),
    )


def test_a_word_replaced_is_removed_then_added() -> None:
    [[line]] = compare("We sell nothing.", "We rent nothing.")

    assert [(piece.change, piece.text) for piece in line.pieces] == [
        (Change.SAME, "We "),
        (Change.REMOVED, "sell"),
        (Change.ADDED, "rent"),
        (Change.SAME, " nothing."),
    ]


def test_lines_added_and_removed_are_whole() -> None:
    [hunk] = compare("a\nb\nc", "a\nc\nd\ne")

    assert [(line.change, line.pieces[0].text) for line in hunk] == [
        (Change.SAME, "a"),
        (Change.REMOVED, "b"),
        (Change.SAME, "c"),
        (Change.ADDED, "d"),
        (Change.ADDED, "e"),
    ]


def test_unchanged_lines_far_from_a_change_are_left_out() -> None:
    old = "\n".join(f"line {n}" for n in range(20))
    new = old.replace("line 3", "line three").replace("line 16", "line sixteen")

    hunks = compare(old, new)

    assert len(hunks) == 2
    shown = [line.pieces[0].text for line in hunks[0]]
    assert shown == ["line 1", "line 2", "line ", "line 4", "line 5"]
    assert all(len(hunk) == 5 for hunk in hunks)


def test_a_text_where_there_was_none_is_all_added() -> None:
    [hunk] = compare("", "new\ntext")

    assert {line.change for line in hunk} == {Change.ADDED}
