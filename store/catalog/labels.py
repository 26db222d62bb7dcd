"""Human names for the catalog's codes, as message ids (translated where shown, see lib/labels.py)."""

from __future__ import annotations

from store.lib.i18n import _
from store.lib.labels import LabelBook

LABELS: dict[str, dict[str, str]] = {
    "kind": {
        "application": _("Application"),
        "component": _("Component"),
        "capability": _("Shared capability"),
    },
    "category": {
        "governance": _("Unified governance (一网统管)"),
        "services": _("One-stop services (一网通办)"),
        "collaboration": _("Government collaboration (一网协同)"),
        "support": _("Shared platforms (公共支撑)"),
    },
    "maturity": {"pilot": _("Pilot"), "promoted": _("Being rolled out"), "mature": _("Mature")},
    "license_type": {
        "open_source": _("Open source"),
        "gov_free": _("Free licence for government bodies"),
        "paid": _("Paid licence"),
    },
    "offering": {
        "standard_free": _("Free standard edition (deployment fee only)"),
        "negotiated": _("Fast match at a negotiated price"),
        "ready_to_use": _("Ready to use (hosted service)"),
    },
    "deployment": {
        "gov_cloud": _("On the adopter's government cloud"),
        "hosted": _("Hosted by the publisher"),
        "saas": _("SaaS"),
    },
    "artifact_kind": {
        "package": _("Deployment package"),
        "source": _("Source archive"),
        "docs": _("Documentation"),
        "api_spec": _("Interface specification"),
    },
    "status": {
        "draft": _("Draft"),
        "submitted": _("Under review"),
        "published": _("Published"),
        "deprecated": _("Deprecated"),
    },
    "action": {
        "created": _("created"),
        "edited": _("edited"),
        "submitted": _("submitted for review"),
        "approved": _("approved and published"),
        "returned": _("returned with comments"),
        "deprecated": _("deprecated"),
        "version_added": _("version added"),
        "version_yanked": _("version withdrawn"),
        "artifact_uploaded": _("file uploaded"),
        "artifact_removed": _("file removed"),
        "screenshot_added": _("screenshot added"),
        "screenshot_removed": _("screenshot removed"),
        "version_approved": _("version approved"),
        "version_returned": _("version returned with comments"),
        "version_resubmitted": _("version resubmitted for review"),
        "screenshot_approved": _("screenshot approved"),
        "screenshot_returned": _("screenshot returned with comments"),
        "changes_seen": _("changes marked as seen by the reviewer"),
    },
    "review_status": {
        "approved": _("Approved"),
        "pending": _("Pending review"),
        "returned": _("Returned"),
    },
    # The names the history and the review show for what changed: an app's fields as the form
    # labels them (store/catalog/fields.py lists the fields), and what versions, files and
    # screenshots record in the audit log.
    "field": {
        "kind": _("Kind of listing"),
        "name": _("Name (Chinese)"),
        "name_en": _("English name"),
        "slug": _("Short web name (slug)"),
        "summary": _("One-line summary"),
        "description": _("Description (Markdown)"),
        "category": _("Category"),
        "tags": _("Tags (separated by commas)"),
        "department": _("Department"),
        "contact_name": _("Contact name"),
        "contact_phone": _("Contact phone"),
        "contact_email": _("Contact e-mail"),
        "maturity": _("Maturity"),
        "license_type": _("Licence"),
        "license_spdx": _("SPDX identifier (open source only)"),
        "reuse_terms": _("Reuse terms"),
        "offering": _("How it is offered"),
        "price_yuan": _("Price (yuan)"),
        "deployment_fee_yuan": _("Deployment fee (yuan)"),
        "reference_prices": _("Reference prices"),
        "deployment_modes": _("Deployment modes"),
        "tech_stack": _("Technology"),
        "requirements": _("Requirements"),
        "xinchuang": _("信创 verified"),
        "integrations": _("粤系列 integrations"),
        "docs_url": _("Documentation"),
        "source_url": _("Source repository"),
        "status": _("Status"),
        "successor": _("Successor app"),
        "version": _("Version"),
        "security_fix": _("Security fix"),
        "review_status": _("Review status"),
        "file": _("File"),
        "files": _("Files"),
        "sha256": _("SHA-256 checksum"),
        "screenshot": _("Screenshot"),
    },
}


# The catalog's own lookups (e.g. a status in an error message); pages get every feature's groups.
label = LabelBook(LABELS)
