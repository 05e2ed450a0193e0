"""The sample documents the example API starts with (and the app shows without an API)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleDocument:
    title: str
    area: str
    updated: str  # YYYY-MM-DD
    body: str


SAMPLE_DOCUMENTS = (
    SampleDocument(
        "Quarterly plan", "Planning", "2026-10-02", "Goals, owners and dates for the quarter."
    ),
    SampleDocument(
        "Onboarding checklist", "People", "2026-09-18", "Accounts, hardware and a first week."
    ),
    SampleDocument(
        "Release notes 0.1", "Engineering", "2026-11-20", "What is new, fixed and known."
    ),
    SampleDocument(
        "Security review", "Engineering", "2026-11-12", "Findings of the review and their fixes."
    ),
    SampleDocument("Budget draft", "Finance", "2026-08-30", "Spending plan for next year."),
)
