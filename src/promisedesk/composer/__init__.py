"""The composer's edge: reply templates rendered with Jinja2 and Babel.

The linter and promise extraction are pure and live in ``promisedesk.domain.lint``
and ``promisedesk.domain.promises``; this package holds what needs third-party
libraries.
"""

from promisedesk.composer.templates import (
    PLACEHOLDERS,
    Template,
    TemplateSet,
    check_template,
    format_when,
    load_templates,
)

__all__ = [
    "PLACEHOLDERS",
    "Template",
    "TemplateSet",
    "check_template",
    "format_when",
    "load_templates",
]
