"""All tables, imported as ``from store.db import models as m``."""

from ._adoption import (
    OPEN_ADOPTION_STATUSES,
    Adoption,
    AdoptionEvent,
    AdoptionEventKind,
    AdoptionStatus,
    AdoptionVersion,
    Confirmation,
    live_adoption_counts_query,
)
from ._api_token import ApiToken
from ._app import (
    App,
    AppKind,
    AppLabel,
    AppStatus,
    Category,
    DeploymentMode,
    LabelKind,
    LicenseType,
    Maturity,
    Offering,
)
from ._audit import AuditEntry
from ._base import Base, utcnow
from ._idempotency import IdempotencyRecord
from ._login_throttle import LoginThrottle
from ._notification import EmailState, Notification, NotificationKind
from ._region import Region, RegionLevel, Zone
from ._screenshot import Screenshot
from ._search import SearchDocument, SearchFacet, SearchOutbox
from ._session import UserSession
from ._user import PROVINCIAL_ROLES, Role, User
from ._version import Artifact, ArtifactKind, ReviewStatus, Version

__all__ = [
    "OPEN_ADOPTION_STATUSES",
    "PROVINCIAL_ROLES",
    "Adoption",
    "AdoptionEvent",
    "AdoptionEventKind",
    "AdoptionStatus",
    "AdoptionVersion",
    "ApiToken",
    "App",
    "AppKind",
    "AppLabel",
    "AppStatus",
    "Artifact",
    "ArtifactKind",
    "AuditEntry",
    "Base",
    "Category",
    "Confirmation",
    "DeploymentMode",
    "EmailState",
    "IdempotencyRecord",
    "LabelKind",
    "LicenseType",
    "LoginThrottle",
    "Maturity",
    "Notification",
    "NotificationKind",
    "Offering",
    "Region",
    "RegionLevel",
    "ReviewStatus",
    "Role",
    "Screenshot",
    "SearchDocument",
    "SearchFacet",
    "SearchOutbox",
    "User",
    "UserSession",
    "Version",
    "Zone",
    "live_adoption_counts_query",
    "utcnow",
]
