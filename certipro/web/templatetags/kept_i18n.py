"""`{% load i18n kept_i18n %}`: Django's `{% translate %}` and `{% blocktranslate %}`, their
translations kept per language.

Why: a rendered dashboard holds some seventy `{% translate %}` and ten `{% blocktranslate %}`.
Django's tags look each message up in the catalogues at each rendering (a French msgid misses in
every catalogue, and a plural one raises and catches on the way): ~10 µs a `translate` and ~50 µs
a `blocktranslate` here, about 1.2 ms of a dashboard, for texts that change only with the
language (the catalogues are read once per process). These tags give the same output, the
translations kept per language: loaded after `i18n`, they replace Django's in that template only,
and `makemessages` still finds the messages (it reads the tags' syntax, not their code).

Kept: literal messages (`{% translate "Ma période" %}`) and messages held by a variable when it is
a plain string (`{% translate a.label %}`: the labels of the axes, statuses, paces). Everything
else goes through Django's own code unchanged: `noop`, `context`, filters, non-strings, and
messages holding "%" (Django doubles and undoubles them). At most `SIZE` entries: a variable may
hold many strings, and past the bound the lot is dropped and built again.
`blocktranslate` keeps only the translated message per (language, message, plural, count): the
variables are resolved and escaped at each rendering, as Django does.
tests/web/test_kept_i18n.py holds the output equal to Django's.
"""

from __future__ import annotations

from copy import copy
from decimal import Decimal
from typing import Any

from django import template
from django.template.base import Node, Parser, Token, VariableDoesNotExist, render_value_in_context
from django.template.context import Context
from django.template.exceptions import TemplateSyntaxError
from django.templatetags.i18n import BlockTranslateNode, TranslateNode, do_block_translate, do_translate
from django.utils import translation
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()
SIZE = 4096
_KEPT: dict[tuple[str | None, bool, bool, str], str] = {}
_MESSAGES: dict[tuple[Any, ...], str] = {}


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


class KeptBlockTranslateNode(BlockTranslateNode):
    """Django's BlockTranslateNode (5.2) with its messages built once, from the tag's tokens, and
    their translations kept; `render` is Django's but for those two lookups."""

    def __init__(self, node: BlockTranslateNode) -> None:
        super().__init__(
            node.extra_context, node.singular, node.plural, node.countervar, node.counter,
            node.message_context, node.trimmed, node.asvar, node.tag_name,  # type: ignore[attr-defined]
        )  # fmt: skip
        self.tag: str = node.tag_name  # type: ignore[attr-defined]  # (missing from django-stubs)
        self.singular_message = self.render_token_list(self.singular)
        self.plural_message = self.render_token_list(self.plural) if self.plural else ("", [])
        # Each variable once: Django renders those of both forms, then keeps one value per name.
        self.names = list(dict.fromkeys(self.singular_message[1] + self.plural_message[1]))

    def render(self, context: Context, nested: bool = False) -> str:
        message_context = self.message_context.resolve(context) if self.message_context else None
        context.update({var: val.resolve(context) for var, val in self.extra_context.items()})
        singular, names = self.singular_message
        if self.plural and self.countervar and self.counter:
            count = self.counter.resolve(context)
            if not isinstance(count, (Decimal, float, int)):
                raise TemplateSyntaxError(
                    f"{self.countervar!r} argument to {self.tag!r} tag must be a number."
                )
            context[self.countervar] = count
            result = _kept_message(message_context, singular, self.plural_message[0], count)
            names = self.names
        else:
            result = _kept_message(message_context, singular, None, None)
        default_value = context.template.engine.string_if_invalid  # type: ignore[union-attr]

        def render_value(key: str) -> str:
            if key in context:
                value = context[key]
            else:
                value = default_value % key if "%s" in default_value else default_value
            if type(value) is int and -1000 < value < 1000:
                # What localisation gives an integer of at most three digits (no digit group in
                # either language, no decimals), without its format lookups: the counts and axis
                # numbers, two or three per message.
                return str(value)
            return render_value_in_context(value, context)

        data = {name: render_value(name) for name in names}
        context.pop()
        try:
            result %= data
        except (KeyError, ValueError):
            if nested:
                raise TemplateSyntaxError(
                    f"{self.tag!r} is unable to format string returned by gettext: {result!r} using {data!r}"
                ) from None
            with translation.override(None):
                result = self.render(context, nested=True)
        if self.asvar:
            context[self.asvar] = SafeString(result)
            return ""
        return result


def _kept_message(context: str | None, singular: str, plural: str | None, count: Any) -> str:
    key = (get_language(), context, singular, plural, count)
    message = _MESSAGES.get(key)
    if message is None:
        if plural is None:
            message = translation.pgettext(context, singular) if context else translation.gettext(singular)
        elif context:
            message = translation.npgettext(context, singular, plural, count)
        else:
            message = translation.ngettext(singular, plural, count)
        if len(_MESSAGES) >= SIZE:
            _MESSAGES.clear()
        _MESSAGES[key] = message
    return message


@register.tag("translate")
@register.tag("trans")
def translate(parser: Parser, token: Token) -> Node:
    node = do_translate(parser, token)
    return KeptTranslateNode(node) if isinstance(node, TranslateNode) else node


@register.tag("blocktranslate")
@register.tag("blocktrans")
def blocktranslate(parser: Parser, token: Token) -> Node:
    node = do_block_translate(parser, token)
    return KeptBlockTranslateNode(node) if isinstance(node, BlockTranslateNode) else node
