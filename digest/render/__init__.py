"""Rendering a digest: Jinja2 HTML and text, CSS inlined once, a MIME template per digest.

``renderer`` (sections rendered and inlined once and shared), ``environment`` (Jinja2 and
the filters feed text goes through), ``inline`` (``inline_css``, the one premailer caller),
``message`` (the message bytes, rendered once per distinct digest with holes filled per
recipient).
"""
