from catalogue.models.offerings import (
    DiscountScheme,
    EntitlementRule,
    FieldType,
    FormField,
    RequestKind,
    RequestType,
    Submission,
)
from catalogue.models.reviews import DemandSignal, Review
from catalogue.models.search import SearchSynonym
from catalogue.models.services import Category, Part, Provider, Service

__all__ = [
    "Category",
    "DemandSignal",
    "Review",
    "DiscountScheme",
    "EntitlementRule",
    "FieldType",
    "FormField",
    "Part",
    "Provider",
    "RequestKind",
    "RequestType",
    "SearchSynonym",
    "Service",
    "Submission",
]
