"""Evaluate the detectors on the labelled set and print a markdown report.

    python -m streams.detectors.evaluate [--data tests/data/labelled_texts.jsonl] [--no-pii]

A detector *detects* a text when its level is l3_likely or more confident (rank <= 3), the
threshold a default policy flags at. unknown_links is evaluated with EVAL_ALLOWED_DOMAINS, the
domains the labelled set was written against. PII rows are added when `streams.pii` imports
(it needs Presidio): a text is detected for `pii/<type>` when `find_pii` returns a finding of
that type.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from streams.detectors import NON_PII_DETECTOR_TYPES, detect_all

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "labelled_texts.jsonl"
# The project allow-list the labelled links were written for.
EVAL_ALLOWED_DOMAINS = ("lakera.ai", "guardstream.dev", "example.com", "github.com", "python.org", "wikipedia.org")
PII_DETECTOR_TYPES = (
    "pii/name",
    "pii/email",
    "pii/phone_number",
    "pii/credit_card",
    "pii/iban_code",
    "pii/ip_address",
    "pii/us_social_security_number",
    "pii/address",
)
ATTACK_FAMILIES = (
    "instruction_override",
    "roleplay_jailbreak",
    "system_prompt_extraction",
    "delimiter",
    "encoding",
    "multilingual",
    "indirect",
)
DETECTED_RANK = 3


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, expected: bool, detected: bool) -> None:
        if expected and detected:
            self.tp += 1
        elif detected:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 1.0

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + self.specificity) / 2


@dataclass
class Report:
    counts: dict[str, Counts] = field(default_factory=dict)
    family_recall: dict[str, Counts] = field(default_factory=dict)  # prompt_attack per attack family
    hard_negatives: Counts = field(default_factory=Counts)  # prompt_attack on the hard_negative family
    rows: int = 0


def load_rows(path: Path = DEFAULT_DATA) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _pii_finder() -> Callable[[str], set[str]] | None:
    try:
        from streams.pii import find_pii
    except Exception:  # noqa: BLE001 - optional: Presidio or its models may be missing
        return None

    def found(text: str) -> set[str]:
        return {finding.detector_type for finding in find_pii(text)}

    return found


def evaluate(rows: Iterable[dict], include_pii: bool = True, allowed_domains: Sequence[str] = EVAL_ALLOWED_DOMAINS) -> Report:
    report = Report()
    pii = _pii_finder() if include_pii else None
    detector_types = list(NON_PII_DETECTOR_TYPES) + (list(PII_DETECTOR_TYPES) if pii else [])
    report.counts = {name: Counts() for name in detector_types}
    report.family_recall = {family: Counts() for family in ATTACK_FAMILIES}
    for row in rows:
        report.rows += 1
        labels = set(row["labels"])
        results = {name: level.rank <= DETECTED_RANK for name, level in detect_all(row["text"], allowed_domains).items()}
        if pii:
            found = pii(row["text"])
            results.update({name: name in found for name in PII_DETECTOR_TYPES})
        for name in detector_types:
            report.counts[name].add(name in labels, results[name])
        if row["family"] in report.family_recall:
            report.family_recall[row["family"]].add("prompt_attack" in labels, results["prompt_attack"])
        if row["family"] == "hard_negative":
            report.hard_negatives.add(False, results["prompt_attack"])
    return report


def render(report: Report) -> str:
    lines = [
        f"Labelled set: {report.rows} texts; detected = level l3_likely or above.",
        "",
        "| detector | positives | TP | FP | FN | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, c in report.counts.items():
        lines.append(f"| {name} | {c.positives} | {c.tp} | {c.fp} | {c.fn} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} |")
    attack = report.counts["prompt_attack"]
    lines += [
        "",
        f"prompt_attack balanced accuracy: **{attack.balanced_accuracy:.3f}** "
        f"(recall {attack.recall:.3f}, specificity {attack.specificity:.3f}); "
        f"hard negatives flagged: {report.hard_negatives.fp}/{report.hard_negatives.fp + report.hard_negatives.tn}",
        "",
        "| attack family | texts | recall |",
        "|---|---:|---:|",
    ]
    for family, c in report.family_recall.items():
        lines.append(f"| {family} | {c.positives} | {c.recall:.3f} |")
    if "pii/name" not in report.counts:
        lines += ["", "(PII rows skipped: streams.pii is not importable here.)"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL file")
    parser.add_argument("--no-pii", action="store_true", help="skip the pii/* rows")
    args = parser.parse_args(argv)
    print(render(evaluate(load_rows(args.data), include_pii=not args.no_pii)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
