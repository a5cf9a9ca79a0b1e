from django import template

from helpdesk.languages import name_in_text, offered

register = template.Library()


@register.simple_tag
def languages_offered() -> dict[str, str]:
    """{code: name in its own language} for the language switcher."""
    return offered()


@register.filter
def language_name(code: str) -> str:
    """A language's name as the reader's language writes it in a sentence ("engelska", "Englisch")."""
    return name_in_text(code)
