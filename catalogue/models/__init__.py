from catalogue.models.offerings import (
    ApprovalMode,
    ApproverRole,
    DiscountScheme,
    EntitlementRule,
    FieldType,
    FormField,
    RequestKind,
    RequestType,
    RequestTypeApprover,
    Submission,
)
from catalogue.models.reviews import DemandSignal, Review
from catalogue.models.search import SearchSynonym
from catalogue.models.services import Category, Part, Provider, Service

__all__ = [
    "ApprovalMode",
    "ApproverRole",
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
    "RequestTypeApprover",
    "SearchSynonym",
    "Service",
    "Submission",
]
