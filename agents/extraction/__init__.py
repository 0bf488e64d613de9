"""The NLP library: the language rules (claims, ...) that the Faust stages in ``agents/`` run.

Nothing here knows Kafka or Faust; a stage imports from here, never the other way round.
"""
