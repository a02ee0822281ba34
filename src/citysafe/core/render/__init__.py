"""Documents rendered alike to HTML, PDF and DOCX, with the PNG charts and static maps they embed.

``document`` builds the content once (headings, paragraphs, numbered tables and figures); ``html``, ``pdf``
and ``docx`` render it; ``charts`` and ``maps`` draw figures with Pillow (``canvas`` holds what they share).
Every domain renders its own documents with it; nothing here knows a domain.
"""
