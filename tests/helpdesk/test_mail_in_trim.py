"""Trimming replies: the shapes real mail clients write, and properties over any text. No database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.mail_in.parse import trim

SHAPES = {
    "gmail": (
        "Yes, that fixed it.\n\nOn Mon, Mar 3, 2025 at 10:00 AM Service Desk <desk@desk.example.org> wrote:\n\n"
        "> Please restart.\n> \n",
        "Yes, that fixed it.",
    ),
    "gmail wrapped attribution": (
        "Yes, that fixed it.\n\nOn Mon, Mar 3, 2025 at 10:00 AM Service Desk with a long name <\n"
        "desk+3f.abcdefghijklm@desk.example.org> wrote:\n\n> Please restart.\n",
        "Yes, that fixed it.",
    ),
    "apple mail": (
        "Done.\n\nSent from my iPhone\n\n> On 3 Mar 2025, at 10:00, Service Desk <desk@desk.example.org> wrote:\n"
        ">\n> Please restart.\n",
        "Done.",
    ),
    "apple mail desktop": (
        "Done, thanks.\n\n> On 3 Mar 2025, at 10:00, Service Desk <desk@desk.example.org> wrote:\n> \n> Hi\n",
        "Done, thanks.",
    ),
    "outlook classic": (
        "Still broken.\r\n\r\n-----Original Message-----\r\nFrom: Service Desk <desk@desk.example.org>\r\n"
        "Sent: Monday, March 3, 2025 10:00 AM\r\nTo: Jane\r\nSubject: [INC-000123] We have it\r\n\r\nHello\r\n",
        "Still broken.",
    ),
    "outlook web": (
        "Still broken.\n\n________________________________\nFrom: Service Desk <desk@desk.example.org>\n"
        "Sent: Monday, 3 March 2025 10:00\nTo: Jane\nSubject: We have it\n",
        "Still broken.",
    ),
    "outlook no rule": (
        "Still broken.\n\nFrom: Service Desk <desk@desk.example.org>\nSent: Monday, 3 March 2025 10:00\n"
        "To: Jane\n\nHello\n",
        "Still broken.",
    ),
    "outlook bold headers": (
        "See below.\n\n*From:* Service Desk <desk@desk.example.org>\n*Sent:* Monday\n*To:* Jane\n",
        "See below.",
    ),
    "signature": ("Thanks!\n\n-- \nJane Doe\nFinance\n+46 8 123 456\n", "Thanks!"),
    "german": ("Danke.\n\nAm 03.03.2025 um 10:00 schrieb Service Desk <desk@desk.example.org>:\n> Hallo\n", "Danke."),
    "french": ("Merci.\n\nLe lun. 3 mars 2025 à 10:00, Service Desk <desk@x.org> a écrit :\n> Bonjour\n", "Merci."),
    "inline answers": ("> Which model?\nA T14.\n> Which floor?\nThe third.\n", "A T14.\nThe third."),
    "get outlook for ios": ("On my way.\n\nGet Outlook for iOS\n", "On my way."),
    "plain": ("Just one line, no quote.", "Just one line, no quote."),
    "all quoted": ("> only a quote\n> nothing new\n", "> only a quote\n> nothing new"),
    "a word starting with On": (
        "Only the left screen flickers.\nOnce a day.\n",
        "Only the left screen flickers.\nOnce a day.",
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_real_world_shapes_are_trimmed(shape):
    text, expected = SHAPES[shape]
    assert trim(text) == expected


@given(st.text())
def test_trimming_never_adds_and_never_empties_what_had_words(text):
    trimmed = trim(text)
    assert len(trimmed) <= len(text)
    if text.strip():
        assert trimmed.strip()


@given(
    st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n>-_", blacklist_categories=["Cs"])), min_size=1)
)
def test_text_without_quote_marks_survives(lines):
    text = "\n".join(
        line
        for line in lines
        if not line.strip()
        .lower()
        .startswith(
            (
                "on ",
                "am ",
                "le ",
                "el ",
                "il ",
                "op ",
                "den ",
                "på ",
                "from",
                "sent",
                "get outlook",
                "von ",
                "de ",
                "från",
            )
        )
    )
    assert trim(text) == text.strip() or not text.strip()
