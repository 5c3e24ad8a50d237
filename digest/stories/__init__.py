"""Stories: articles about one event grouped, per seat, and summarised.

``grouping`` (words, fingerprints, the joining rules, the grouper), ``seat_stories`` (one
seat's stories, run in worker processes for big sends), ``summarise`` (extractive
summaries), ``generative`` (optional summaries from a chat-completions API).
"""
