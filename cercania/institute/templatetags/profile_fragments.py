"""Parts of the public pages rendered once per copy of the institute's profile.

The head's meta tags and assets, the exit bar, the header with the institute's name,
the safety banner, the emergency lines, the footer links and the language form's
choices are the same on every public page: they depend on the profile
(public_profile.py), the language and the static files' manifest, nothing else.
Rendering them was about half of a booking question's template time (the language
choices alone, about 0.1 ms of every public page; the two `{% static %}` and the
language form's `{% url %}` about 0.08 ms more). Each is rendered once per language
and kept on the profile copy, so it is as fresh as the copy: a change drops both.

A fragment sees only `institute` and `emergency_lines`: never the request, a form,
a CSRF token or anything else that differs between two visitors. The footer's opens
the language form, which base_public.html closes after her CSRF token and page.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from cercania.institute.public_profile import public_profile

register = template.Library()


@register.simple_tag
def profile_fragment(template_name: str) -> SafeString:
    profile = public_profile()
    key = (template_name, translation.get_language() or "")
    html = profile.fragments.get(key)
    if html is None:
        html = profile.fragments[key] = render_to_string(
            template_name,
            {"institute": profile.institute, "emergency_lines": profile.emergency_lines},
        ).strip()
    return SafeString(html)
