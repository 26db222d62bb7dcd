"""axe-core in the browser tests: which accessibility rules a page breaks, as axe reports them.

axe-core comes from the npm registry, pinned with its checksum in ``scripts/install-assets.sh``
(``--test`` installs it into ``tests/e2e/vendor/``; the store never serves it). It goes into
each page as a Playwright *init script*: the store's Content-Security-Policy forbids inline
scripts, so ``page.add_script_tag`` would be refused, while init scripts are added by the
browser itself before any page script, like the conftest's CSP reporter.

``check`` runs the standard rule set (WCAG 2.0/2.1/2.2 A and AA, and axe's best practices) and
returns every violation, whatever its impact: a "minor" one is still a page someone cannot use
as well as the others.

No pytest import here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
#: axe's tags for the standard rule set
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice")
#: what comes back from the page: only the parts a failure message needs
RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact || "unknown",
    help: v.help,
    help_url: v.helpUrl,
    targets: v.nodes.map((n) => n.target.map((t) => Array.isArray(t) ? t.join(" >>> ") : t).join(" ")),
    summary: v.nodes.length ? (v.nodes[0].failureSummary || "") : "",
  }));
}"""


@dataclass(frozen=True)
class Violation:
    """One rule broken on one page, with the elements that break it."""

    where: str  # what was checked: the page and its setting (role, viewport, language)
    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]
    summary: str  # axe's "fix any of the following" for the first element

    def describe(self) -> str:
        shown = ", ".join(self.targets[:6]) + (
            f" (+{len(self.targets) - 6} more)" if len(self.targets) > 6 else ""
        )
        first = " ".join(self.summary.split())
        return (
            f"{self.where}: [{self.impact}] {self.rule}: {self.help}\n"
            f"    at {shown}\n    {first[:400]}\n    {self.help_url}"
        )


def install(context: BrowserContext) -> None:
    """Load axe-core into every page the context opens from now on."""
    if not AXE_JS.is_file():
        raise FileNotFoundError(
            f"no axe-core at {AXE_JS}: install it with `scripts/install-assets.sh --test` (make test does)"
        )
    context.add_init_script(path=AXE_JS)


def check(page: Page, where: str) -> list[Violation]:
    """Every violation of the standard rule set on the page as it is now."""
    found = page.evaluate(RUN, list(TAGS))
    return [
        Violation(
            where=where,
            rule=item["rule"],
            impact=item["impact"],
            help=item["help"],
            help_url=item["help_url"],
            targets=tuple(item["targets"]),
            summary=item["summary"],
        )
        for item in found
    ]


def report(violations: list[Violation]) -> str:
    """The failure message: one paragraph per page and rule."""
    return f"{len(violations)} accessibility violation(s):\n" + "\n".join(v.describe() for v in violations)
