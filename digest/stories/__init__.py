"""Stories: articles about one event grouped, per seat, and summarised.

``fingerprints`` (words, phrases, names and sketches, made when an article is prepared),
``grouping`` (candidates and the grouper), ``overlap`` (what two articles share),
``verdict`` (the joining rules), ``event_evidence`` (quotes, figures and names two reports
share), ``seat_stories`` (one seat's stories, run in worker processes for big sends),
``summarise`` (extractive summaries), ``attribution`` with ``quotations`` and ``speakers``
(who said what, so a summary never misattributes), ``live`` (live blogs and match
reports), ``generative`` (optional summaries from a chat-completions API).
"""
