"""Shared web machinery every module's UI uses, one concern per module:

- ``objects``: fetch one record within the user's jurisdiction (404 for "not yours" and "not
  there" alike), small HTTP helpers;
- ``lists``: scoped list views (filter, sort, paginate, export exactly what is listed);
- ``exports``: the export form and its masked/unmasked rules;
- ``edits``: versioned forms, conflicts, service errors beside fields, soft delete;
- ``history``: a record's change history without protected numbers;
- ``imports``: uploads handed to the background import;
- ``masking``: masked values for templates.

Names are re-exported here so that modules import them from ``fangkong.core.generic``.
"""

from fangkong.core.generic.edits import (
    DeleteForm,
    VersionedForm,
    apply_validation_error,
    bootstrapify,
    soft_delete_page,
    stale_conflict_context,
)
from fangkong.core.generic.exports import (
    ExportForm,
    export_response,
    filter_params,
    may_export_unmasked,
    offers_unmasked,
)
from fangkong.core.generic.history import Change, HistoryEntry, history_entries, secret_fields
from fangkong.core.generic.imports import ImportView, UploadForm
from fangkong.core.generic.lists import ScopedListView
from fangkong.core.generic.masking import with_masked
from fangkong.core.generic.objects import (
    PAGE_SIZE,
    XLSX_TYPE,
    client_ip,
    get_scoped_object_or_404,
    is_htmx,
    no_store,
)

__all__ = [
    "PAGE_SIZE",
    "XLSX_TYPE",
    "Change",
    "DeleteForm",
    "ExportForm",
    "HistoryEntry",
    "ImportView",
    "ScopedListView",
    "UploadForm",
    "VersionedForm",
    "apply_validation_error",
    "bootstrapify",
    "client_ip",
    "export_response",
    "filter_params",
    "get_scoped_object_or_404",
    "history_entries",
    "is_htmx",
    "may_export_unmasked",
    "no_store",
    "offers_unmasked",
    "secret_fields",
    "soft_delete_page",
    "stale_conflict_context",
    "with_masked",
]
