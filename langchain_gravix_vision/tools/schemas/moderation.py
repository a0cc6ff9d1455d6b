"""moderate_image: taxonomies, arguments, the model's answer and the result.

Three taxonomies: the image-applicable part of OpenAI's moderation categories
(the default, named as ``openai.types.Moderation``'s fields are), the MLCommons
hazard taxonomy Llama Guard 4 uses (S1-S13), and custom policies (a name and a
description each, as ShieldGemma 2 takes them).

Example:
    >>> Taxonomy.openai().names()[:2]
    ['sexual', 'self-harm']
    >>> Taxonomy.custom([Policy(name="weapons", description="Firearms.")]).name
    'custom'
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from langchain_gravix_vision.tools.schemas.args import ImageArgs
from langchain_gravix_vision.tools.schemas.results import VisionResult

MAX_POLICIES = 32
"""Most categories one taxonomy holds (each is one field of the answer)."""
MAX_RATIONALE_CHARS = 300


class Policy(BaseModel):
    """One category: a short name and what it covers (sent to the model)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w/ .&-]+$")
    description: str = Field(min_length=1, max_length=600)


OPENAI_IMAGE_POLICIES = (
    Policy(
        name="sexual",
        description="Sexual content: nudity or sexual activity meant to arouse "
        "(not sex education or wellness).",
    ),
    Policy(
        name="self-harm",
        description="Self-harm: depictions of suicide, cutting or eating disorders.",
    ),
    Policy(
        name="self-harm/intent",
        description="Self-harm intent: the person shown expresses that they are "
        "engaging in or intend to engage in self-harm.",
    ),
    Policy(
        name="self-harm/instructions",
        description="Self-harm instructions: content that encourages or shows "
        "how to commit suicide or self-harm.",
    ),
    Policy(
        name="violence",
        description="Violence: depictions of death, violence or physical injury.",
    ),
    Policy(
        name="violence/graphic",
        description="Graphic violence: death, violence or injury shown in graphic "
        "detail (gore).",
    ),
)
"""OpenAI's moderation categories that apply to images, named exactly as theirs."""

MLCOMMONS_POLICIES = tuple(
    Policy(name=code, description=text)
    for code, text in (
        (
            "S1",
            "Violent Crimes: enables or endorses violence against people or animals.",
        ),
        ("S2", "Non-Violent Crimes: fraud, theft, drug, weapons or cyber crimes."),
        ("S3", "Sex-Related Crimes: sex trafficking, sexual assault, harassment."),
        ("S4", "Child Sexual Exploitation: any sexual content involving minors."),
        ("S5", "Defamation: verifiably false content injuring a real person."),
        ("S6", "Specialized Advice: dangerous financial, medical or legal advice."),
        ("S7", "Privacy: sensitive non-public personal information."),
        ("S8", "Intellectual Property: violates a third party's IP rights."),
        ("S9", "Indiscriminate Weapons: chemical, biological, nuclear, explosives."),
        ("S10", "Hate: demeans people for protected characteristics."),
        ("S11", "Suicide & Self-Harm: enables or encourages acts of self-harm."),
        ("S12", "Sexual Content: depictions of nude adults or explicit sex acts."),
        ("S13", "Elections: factually wrong information about electoral processes."),
    )
)
"""The MLCommons hazard taxonomy as Llama Guard 4 lists it (S1-S13)."""


class Taxonomy(BaseModel):
    """A named set of categories the image is checked against."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=64)
    policies: tuple[Policy, ...] = Field(min_length=1, max_length=MAX_POLICIES)

    @field_validator("policies")
    @classmethod
    def _distinct(cls, value: tuple[Policy, ...]) -> tuple[Policy, ...]:
        names = [p.name for p in value]
        if len(set(names)) != len(names):
            raise ValueError("every policy needs its own name")
        return value

    @classmethod
    def openai(cls) -> Taxonomy:
        """The default: OpenAI's image-applicable moderation categories."""
        return cls(name="openai", policies=OPENAI_IMAGE_POLICIES)

    @classmethod
    def mlcommons(cls) -> Taxonomy:
        """The MLCommons hazard taxonomy (Llama Guard 4's S1-S13)."""
        return cls(name="mlcommons", policies=MLCOMMONS_POLICIES)

    @classmethod
    def custom(cls, policies: list[Policy] | list[dict[str, str]]) -> Taxonomy:
        """Your own policies: a name and a description each (as ShieldGemma 2)."""
        return cls(
            name="custom", policies=tuple(Policy.model_validate(p) for p in policies)
        )

    def names(self) -> list[str]:
        """The category names, in order."""
        return [p.name for p in self.policies]


class ModerateImageArgs(ImageArgs):
    """Arguments of ``moderate_image``."""

    categories: list[str] | None = Field(
        default=None,
        max_length=MAX_POLICIES,
        description=(
            "Only these categories of the tool's taxonomy (default: all of them)."
        ),
    )


@cache
def moderation_answer(taxonomy: Taxonomy) -> type[BaseModel]:
    """What the model is asked for: one score per category, and a rationale."""
    fields: dict[str, Any] = {
        f"c{i}": (
            float,
            Field(alias=p.name, ge=0, le=1, description=p.description),
        )
        for i, p in enumerate(taxonomy.policies)
    }
    scores = create_model(
        "CategoryScores",
        __config__=ConfigDict(populate_by_name=True),
        __doc__="How strongly the image shows each category, from 0 (not at all) to 1.",
        **fields,
    )
    return create_model(
        "ModerationAnswer",
        __doc__="Whether the image violates each content policy.",
        category_scores=(scores, Field(description="One score per category.")),
        rationale=(
            str,
            Field(
                max_length=MAX_RATIONALE_CHARS, description="One short sentence why."
            ),
        ),
    )


class ImageModeration(VisionResult):
    """Whether an image violates a content policy, per category.

    ``category_scores`` are the vision model's own estimate, not calibrated
    probabilities; ``categories`` says which reach their threshold.
    """

    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]
    violated: list[str] = Field(default_factory=list)
    rationale: str = ""
    taxonomy: str = "openai"
    thresholds: dict[str, float] = Field(default_factory=dict)

    def to_content(self) -> str:
        """Concise text for the calling LLM."""
        if self.flagged:
            found = ", ".join(
                f"{name} ({self.category_scores[name]:.2f})" for name in self.violated
            )
            head = f"Flagged ({self.taxonomy} taxonomy): {found}."
        else:
            top = max(self.category_scores, key=self.category_scores.__getitem__)
            head = (
                f"Not flagged ({self.taxonomy} taxonomy); highest score: "
                f"{top} {self.category_scores[top]:.2f}."
            )
        return f"{head}\n{self.rationale}" if self.rationale else head


__all__ = [
    "MLCOMMONS_POLICIES",
    "OPENAI_IMAGE_POLICIES",
    "ImageModeration",
    "ModerateImageArgs",
    "Policy",
    "Taxonomy",
    "moderation_answer",
]
