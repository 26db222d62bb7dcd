"""All tables, imported as ``from store.db import models as m``."""

from ._api_token import ApiToken
from ._base import Base, utcnow
from ._region import Region, RegionLevel, Zone
from ._session import UserSession
from ._user import Role, User

__all__ = ["ApiToken", "Base", "Region", "RegionLevel", "Role", "User", "UserSession", "Zone", "utcnow"]
