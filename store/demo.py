"""Demo data for `make run`: one user per role so a newcomer can sign in at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts.services import UserService
from store.lib.security import generate_password

DEMO_USERS = (
    ("admin", "province_admin", None, "省政务服务和数据管理局（管理员）"),
    ("reviewer", "province_reviewer", None, "省政务服务和数据管理局（审核）"),
    ("shenzhen", "city_staff", "440300", "深圳市政务服务和数据管理局"),
    ("meizhou", "city_staff", "441400", "梅州市政务服务和数据管理局"),
)


async def seed(session: AsyncSession) -> list[tuple[str, str, str, str]]:
    """Create the demo users that do not exist yet; return (username, role, region, password)."""
    service = UserService(session)
    created = []
    for username, role, region, display_name in DEMO_USERS:
        if await service.by_username(username) is not None:
            continue
        password = generate_password()
        user = await service.create(
            username=username, role=role, password=password, region_code=region, display_name=display_name
        )
        created.append((username, role, user.region_code, password))
    return created
