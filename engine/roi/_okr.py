"""The OKR threshold a running service starts from until one is set.

An expected ROI of 1 is break-even: the lead's expected commission pays exactly its
expected cost (consultant time, legal fees, overhead, acquisition). Leads above it
earn more than they cost; the company's OKRs usually ask for more, so this is a
floor to be replaced (``leadlever serve --threshold`` or an ``okr_change`` event),
and it is announced as a default wherever it is used.
"""

from __future__ import annotations

__all__ = ["DEFAULT_OKR_THRESHOLD", "DEFAULT_OKR_METRIC"]

#: expected ROI at which a lead breaks even
DEFAULT_OKR_THRESHOLD = 1.0
#: the metric that default applies to (``CostModel.metric``)
DEFAULT_OKR_METRIC = "roi"
