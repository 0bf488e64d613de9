"""Stories: articles that report one real-world event, grouped across languages.

``score`` measures a clustering against gold story labels; ``cluster`` is the online clusterer
(a plain library, no Kafka, so a Faust stage can later hold its state in a table); ``concepts``
maps counted nouns of figures to a cross-lingual concept; ``book`` keeps the clusterer's state and
each story's summary as table entries for the story stage (agents.story).
"""
