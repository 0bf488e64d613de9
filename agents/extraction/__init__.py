"""The NLP library: the language rules that the Faust stages in ``agents/`` run.

    claims/           attributed claims (a package of layers, see its __init__)
    entities          named entities: gazetteer matches and capitalised names, typed
    figures, numbers  figures: numbers, units and the nouns they count
    names, speakers   person keys folded across spellings; speaker phrases resolved to entities
    gazetteer, place_gazetteer, entity_type
                      what the lexicons list, read without spaCy
    annotations       what the components attach to a ``Doc`` (their only interface)
    doctext, bounded_tokenizer
                      the document's text once; a tokenizer that bounds pathological input
    lexicons/         the words, per language, as data

Nothing here knows Kafka or Faust; a stage imports from here, never the other way round.
"""
