"""Rendering a digest: Jinja2 HTML and text, CSS inlined once, a MIME template per digest.

``renderer`` (templates, ``inline_css``, sections rendered once and shared), ``message``
(the message bytes, rendered once per distinct digest with holes filled per recipient).
"""
