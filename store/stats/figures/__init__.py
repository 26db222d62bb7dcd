"""The reuse figures, each computed by the database in one aggregate statement (GROUP BY, COUNT,
SUM, window functions) that runs the same on SQLite and PostgreSQL; nothing is summed in Python.

What the figures mean (the README's "Statistics: what each figure means" says the same):

* **Period.** Days are days in China Standard Time (UTC+8), the users' clock. An app counts as
  *published* in the period when its first publication (``apps.published_at``) falls in it; an
  adoption counts as *made* (by the adopter) and *received* (by the publisher) when it was
  *requested* (``adoptions.created_at``) in it; a *live* adoption is one whose status is live now
  and whose go-live date (``went_live_on``) falls in it. "All time" has no bounds.
* **Published apps** are those the public can see: published, or deprecated after publication.
  Drafts, submissions and apps taken back to draft do not count. **Versions** are approved, not
  yanked versions of those apps, counted when they were added (``versions.created_at``).
* **Adoptions** of any app count (by state, made, received, live): the adoption happened even if
  the app has since been deprecated.
* **Filters** restrict the *apps* considered: category, kind, the zone of the publishing city,
  the publishing city (its districts included).
* **Districts roll up** to their city everywhere: apps published, adoptions made and received,
  the matrix, cities reached. A district takes its city's zone and 粤东西北 flag.
* **Reuse rate**: of the apps published in the period, the share with at least one live adoption
  (went live in the period) *outside their home city* — the adopter's city differs from the
  publisher's city. 0 when no app was published.
* **Live confirmed**: live adoptions the publisher confirmed (not disputed, not unanswered).
* **Saving**: the sum of ``saving_wan`` (万元) over live adoptions; none given counts as 0.
* **Cities with a live adoption**: distinct adopting cities (districts rolled up), 0–21;
  **粤东西北 coverage**: how many of its 12 cities adopt at least one live app; **粤东西北 share**:
  live adoptions whose adopter is in 粤东西北 ÷ all live adoptions (0 when there are none).
* **Matrix**: live adoptions by publishing city (row) and adopting city (column), 21 × 21.
* **Trend**: per month (China Standard Time) of the period: apps first published, adoption
  requests, go-lives (adoptions live now, by go-live month). Every month is listed, zeros
  included; "all time" starts at the first month with data and ends at the current month.
* **Time to live**: days from the request's day to the go-live date, over the live adoptions;
  median and 90th percentile by *nearest rank* (of n durations in order, the one at rank
  ⌈n/2⌉ and ⌈9n/10⌉), overall and per category.
* **Top apps**: public apps with the most live adoptions, with their adopting regions.
  **Not yet adopted**: apps in the catalog now (published, not deprecated), first published in
  the period, with no adoption other than declined or withdrawn ones — the longest waiting first.
"""

from .apps import MAX_LIMIT, AppFigures, AppRef, TopApp, app_figures
from .durations import Durations, TimeToLive, time_to_live
from .regions import CityRef, Matrix, Places, RegionRow, ZoneRow, places
from .summary import Summary, summary
from .trend import MonthRow, trend

__all__ = [
    "MAX_LIMIT",
    "AppFigures",
    "AppRef",
    "CityRef",
    "Durations",
    "Matrix",
    "MonthRow",
    "Places",
    "RegionRow",
    "Summary",
    "TimeToLive",
    "TopApp",
    "ZoneRow",
    "app_figures",
    "places",
    "summary",
    "time_to_live",
    "trend",
]
