"""The entity types, apart from the spaCy annotations so that spaCy-free code can name them."""

from __future__ import annotations

from enum import StrEnum


class EntityType(StrEnum):
    PERSON = "PERSON"
    ORG = "ORG"
    LOCATION = "LOCATION"
    MISC = "MISC"
