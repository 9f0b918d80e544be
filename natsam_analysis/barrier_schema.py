"""The system-barrier register's schema as data: fields, types, vocabularies and the status workflow.

One place that both the loader (:mod:`natsam_analysis.sources.barriers`) and the analyses
(:mod:`natsam_analysis.metrics.barriers`) read, so that neither has to import the other (metrics take
no I/O). The field list follows ``specs/barrier_register.md``; codes are what a file holds, labels in
Swedish and English are in :mod:`natsam_analysis.i18n` (``barriers_<field>_<code>``, see
:func:`value_label`).

Types: ``id`` (text, required, unique), ``text``, ``enum`` (one code of the vocabulary), ``multi``
(several codes, ``;``-separated in a CSV cell), ``list`` (free ``;``-separated items), ``municipalities``
(``;``-separated 4-digit Kolada ids), ``date`` (ISO ``YYYY-MM-DD``), ``int``.

The workflow (``status``): identified -> validated -> analysed -> in_dialogue (Dialogverkstad) ->
proposal_submitted -> partly_resolved / resolved / not_resolvable; a barrier may be parked or withdrawn
before it is closed. :data:`TRANSITIONS` lists every allowed change of status.

Examples
--------
>>> STAGES[:3]
('identified', 'validated', 'analysed')
>>> "resolved" in TRANSITIONS["proposal_submitted"]
True
>>> stage_of("parked") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

from natsam_analysis.i18n import label

PLATFORMS = ("Lund", "Göteborg", "Borås", "Stockholm", "Umeå", "Kiruna", "other")
#: The platform municipalities' Kolada ids, by platform.
PLATFORM_IDS = {"Lund": "1281", "Göteborg": "1480", "Borås": "1490", "Stockholm": "0180", "Umeå": "2480",
                "Kiruna": "2584"}
BARRIER_TYPES = ("legal", "application", "financial", "procurement", "data_sharing", "organisational",
                 "competence", "cultural", "technical", "market")
RULE_VS_INTERPRETATION = ("rule", "interpretation", "unclear")
LEGAL_AREAS = ("KL", "LOU/LUF/LUK", "OSL", "GDPR/dataskyddslagen", "PBL", "MB", "SoL", "HSL", "Skollagen",
               "LSS", "FL", "ellagen", "statsbidragsförordning", "EU state aid", "other")
LEVELS = ("lokal", "regional", "nationell", "EU", "internationell")
MANDATES = ("full", "partial", "none")
ACTOR_TYPES = ("ministry", "agency", "region", "SKR", "EU", "municipality")
#: Policy areas: the ten COFOG functions plus digital government, labour market and research/innovation
#: (the thirteen sectors used for OPSI's case library as the register applies them).
POLICY_AREAS = ("general_public_services", "defence", "public_order_safety", "economic_affairs",
                "environmental_protection", "housing_community", "health", "recreation_culture", "education",
                "social_protection", "digital_government", "labour_market", "research_innovation")
STATUSES = ("identified", "validated", "analysed", "in_dialogue", "proposal_submitted", "partly_resolved",
            "resolved", "not_resolvable", "parked", "withdrawn")
PATHWAYS = ("guidance", "trial", "regulatory_change", "funding_change", "standard_template", "capacity_building",
            "none")
CONFIDENTIALITY = ("public", "internal")
EVENT_TYPES = ("meeting", "letter", "remiss", "decision")
LINK_RELATIONS = ("causes", "duplicates", "related")
#: The NATSAM reporting goals; an affected SDG target of another goal is allowed but flagged nowhere.
REPORTING_GOALS = (1, 3, 4, 5, 11, 13, 16)

#: The funnel's stages in workflow order; the last, ``closed``, is any of :data:`OUTCOMES`.
STAGES = ("identified", "validated", "analysed", "in_dialogue", "proposal_submitted", "closed")
OUTCOMES = ("partly_resolved", "resolved", "not_resolvable")
#: Statuses after which nothing changes any more.
TERMINAL = ("resolved", "not_resolvable", "withdrawn")
_OPEN = ("identified", "validated", "analysed", "in_dialogue", "proposal_submitted", "partly_resolved", "parked")
#: status -> the statuses it may change to (a repeated status is not a change and always allowed).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "identified": ("validated", "parked", "withdrawn"),
    "validated": ("analysed", "parked", "withdrawn"),
    "analysed": ("in_dialogue", "proposal_submitted", "not_resolvable", "parked", "withdrawn"),
    "in_dialogue": ("proposal_submitted", "not_resolvable", "parked", "withdrawn"),
    "proposal_submitted": ("in_dialogue", *OUTCOMES, "parked", "withdrawn"),
    "partly_resolved": ("in_dialogue", "proposal_submitted", "resolved", "parked"),
    "parked": ("validated", "analysed", "in_dialogue", "proposal_submitted", "withdrawn"),
    "resolved": (),
    "not_resolvable": (),
    "withdrawn": (),
}


def stage_of(status: str) -> int | None:
    """The funnel stage (index into :data:`STAGES`) a status stands for; ``None`` for parked/withdrawn."""
    if status in OUTCOMES:
        return len(STAGES) - 1
    return STAGES.index(status) if status in STAGES else None


def is_open(status: str) -> bool:
    """True for a barrier still being worked on (not resolved, not resolvable or withdrawn)."""
    return status in _OPEN


@dataclass(frozen=True)
class Field:
    """One column of a register table: its name, type, vocabulary and whether a value is required."""

    name: str
    kind: str
    vocabulary: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None


BARRIER_FIELDS: tuple[Field, ...] = (
    Field("barrier_id", "id", required=True),
    Field("title_sv", "text", required=True),
    Field("title_en", "text"),
    Field("description", "text", max_length=2000),
    Field("example_case_ids", "list"),
    Field("raised_by_municipality", "municipalities"),
    Field("raised_by_platform", "enum", PLATFORMS, required=True),
    Field("date_raised", "date", required=True),
    Field("date_validated", "date"),
    Field("date_resolved", "date"),
    Field("barrier_type", "multi", BARRIER_TYPES, required=True),
    Field("rule_vs_interpretation", "enum", RULE_VS_INTERPRETATION),
    Field("legal_area", "multi", LEGAL_AREAS),
    Field("legal_reference", "text"),
    Field("level_of_origin", "enum", LEVELS, required=True),
    Field("municipal_mandate", "enum", MANDATES, required=True),
    Field("responsible_actor", "text"),
    Field("actor_type", "enum", ACTOR_TYPES),
    Field("affected_sdg_targets", "sdg_targets"),
    Field("policy_area", "multi", POLICY_AREAS),
    Field("affected_groups", "text"),
    Field("gender_equity_note", "text"),
    Field("severity", "int", required=True),
    Field("prevalence", "int"),
    Field("evidence_links", "list"),
    Field("status", "enum", STATUSES, required=True),
    Field("pathway", "enum", PATHWAYS),
    Field("dialogverkstad_sessions", "list"),
    Field("related_commitments", "list"),
    Field("resolution_description", "text"),
    Field("owner", "text"),
    Field("last_updated", "date"),
    Field("confidentiality", "enum", CONFIDENTIALITY),
)
EVENT_FIELDS: tuple[Field, ...] = (
    Field("event_id", "id", required=True),
    Field("barrier_id", "text", required=True),
    Field("date", "date", required=True),
    Field("type", "enum", EVENT_TYPES, required=True),
    Field("actors", "list"),
    Field("summary", "text"),
    Field("outcome", "text"),
    # the barrier's status after the event; empty when the event did not change it
    Field("status", "enum", STATUSES),
)
LINK_FIELDS: tuple[Field, ...] = (
    Field("barrier_id", "text", required=True),
    Field("related_barrier_id", "text", required=True),
    Field("relation", "enum", LINK_RELATIONS, required=True),
)
#: Table name -> its fields (the names of the register's tables).
TABLES = {"barriers": BARRIER_FIELDS, "events": EVENT_FIELDS, "links": LINK_FIELDS}
#: The columns a file must have (the others may be left out and are then empty).
REQUIRED_COLUMNS = {name: tuple(f.name for f in fields if f.required) for name, fields in TABLES.items()}
SEVERITY_RANGE = (1, 5)
LIST_SEPARATOR = ";"


def field(table: str, name: str) -> Field:
    """The :class:`Field` ``name`` of ``table`` ("barriers", "events" or "links")."""
    return next(f for f in TABLES[table] if f.name == name)


def value_label(field_name: str, code: str, lang: str | None = None) -> str:
    """The label of a vocabulary code in ``lang``, e.g. ``value_label("status", "in_dialogue")``.

    Examples
    --------
    >>> value_label("status", "in_dialogue")
    'I dialog (Dialogverkstad)'
    >>> value_label("legal_area", "PBL", "en")
    'PBL'
    """
    return label(f"barriers_{field_name}_{code}", lang)
