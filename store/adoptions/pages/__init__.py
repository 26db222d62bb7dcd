"""Adoption pages: the 申请复用 form, an adoption's page with its timeline and the forms for the next
steps, the lists of incoming and own adoptions, and what the catalog's app page shows of reuse
(``app_page_section``, handed in through ``store.catalog.pages.APP_PAGE_SECTIONS``).

Every rule is the service's (``AdoptionService``) and the life-cycle table's; these pages read
forms, call them, and show what they answer.
"""

from ._adoption import AdoptionPages, adoption_page
from ._lists import AdoptionListPages
from ._request import RequestPages, request_form
from ._section import app_page_section

ADOPTION_PAGES = [AdoptionListPages, AdoptionPages, RequestPages]

__all__ = ["ADOPTION_PAGES", "adoption_page", "app_page_section", "request_form"]
