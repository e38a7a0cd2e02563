"""Names are one line of text (issue 10).

A company or person's name goes into mail headers ("[Acme] Order … is complete"), CSV exports and
page titles: a CR/LF stored in one broke the next order mail. Every one-line text field of the
customer forms refuses control characters (Unicode category Cc: CR, LF, tab, NUL, ESC, C1 ...).
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in value)


def refuse_control_characters(value: object) -> None:
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            _("Use one line of text: no line breaks, tabs or other control characters."),
            code="control_characters",
        )


class SingleLineTextMixin:
    """Form mixin: every text field that is not a text area refuses control characters."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # copies of the class's fields: validators are ours
            if isinstance(field, forms.CharField) and not isinstance(
                field.widget, forms.Textarea | forms.PasswordInput
            ):
                field.validators.append(refuse_control_characters)
