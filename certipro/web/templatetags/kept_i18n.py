"""`{% load i18n kept_i18n %}`: Django's `{% translate %}`, its result kept per language.

Why: a rendered dashboard holds some seventy `{% translate %}`. Django's tag makes a lazy
translation object per use and looks it up in the catalogues at each rendering: ~10 µs each here,
about 0.7 ms of a dashboard, for texts that change only with the language (the catalogues are
read once per process). This tag gives the same output, kept per (language, autoescape, message):
loaded after `i18n`, it replaces `translate` in that template only, and `makemessages` still
finds the messages (it reads the tag's syntax, not its code).

Kept: literal messages (`{% translate "Ma période" %}`) and messages held by a variable when it is
a plain string (`{% translate a.label %}`: the labels of the axes, statuses, paces). Everything
else goes through Django's own code unchanged: `noop`, `context`, filters, non-strings, and
messages holding "%" (Django doubles and undoubles them). At most `SIZE` entries: a variable may
hold many strings, and past the bound the lot is dropped and built again.
tests/web/test_kept_i18n.py holds the output equal to Django's.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from django import template
from django.template.base import Node, Parser, Token, VariableDoesNotExist, render_value_in_context
from django.template.context import Context
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()
SIZE = 4096
_KEPT: dict[tuple[str | None, bool, bool, str], str] = {}


class KeptTranslateNode(TranslateNode):
    def __init__(self, node: TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        expression = self.filter_expression
        expression.var.translate = not self.noop  # what Django's render sets at each call
        self.keepable = not (self.noop or self.message_context or expression.filters)
        # The same variable, resolved without translating: the message to look up in `_KEPT`.
        self.message = copy(expression.var)
        self.message.translate = False

    def render(self, context: Context) -> str:
        try:
            message: Any = self.message.resolve(context) if self.keepable else None
        except VariableDoesNotExist:  # Django's own code says what a missing variable gives
            message = None
        if type(message) not in (str, SafeString) or "%" in message:
            return super().render(context)
        # A literal is safe text, and Django leaves its translation unescaped: part of the key.
        key = (get_language(), bool(context.autoescape), type(message) is SafeString, message)
        value = _KEPT.get(key)
        if value is None:
            value = self._translated(context)
            if len(_KEPT) >= SIZE:
                _KEPT.clear()
            _KEPT[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value

    def _translated(self, context: Context) -> str:
        # Django's TranslateNode.render up to its `asvar` (without the "%%" undoubling: no "%" here).
        value = render_value_in_context(self.filter_expression.resolve(context), context)
        return mark_safe(value) if isinstance(value, SafeData) else value


@register.tag("translate")
@register.tag("trans")
def translate(parser: Parser, token: Token) -> Node:
    node = do_translate(parser, token)
    return KeptTranslateNode(node) if isinstance(node, TranslateNode) else node
