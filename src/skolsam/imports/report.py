"""Say what a check or an import found, in the same words on the page and in the terminal."""

from __future__ import annotations

from skolsam.imports.services import ImportPlan

SUMMARY_LABELS: tuple[tuple[str, str], ...] = (
    ("rows", "Elevrader i filen"),
    ("pupils_created", "Nya elever"),
    ("pupils_existing", "Elever som redan fanns"),
    ("guardians_created", "Nya vårdnadshavare"),
    ("guardians_existing", "Vårdnadshavare som redan fanns"),
    ("enrolments_created", "Nya inskrivningar"),
    ("enrolments_existing", "Inskrivningar som redan fanns"),
    ("memberships_created", "Nya klassplaceringar"),
    ("memberships_existing", "Klassplaceringar som redan fanns"),
    ("relations_created", "Nya vårdnadshavarrelationer"),
    ("relations_existing", "Vårdnadshavarrelationer som redan fanns"),
    ("relations_held", "Vårdnadshavare till befintliga elever som inte läggs till"),
    ("classes_created", "Nya klasser"),
    ("persons_created", "Personer som skapas totalt"),
    ("persons_updated", "Befintliga personer som får nya uppgifter"),
)


def summary_rows(summary: dict[str, int]) -> list[tuple[str, int]]:
    """Return (label, count) pairs in a fixed order for the report and the result page."""
    return [(label, summary.get(key, 0)) for key, label in SUMMARY_LABELS]


def report_text(plan: ImportPlan, *, committed: bool = False, dry_run: bool = False) -> str:
    """Return the report as plain text: file facts, each issue with row and column, counts."""
    lines = [f"Fil: {plan.file.file_name}"]
    facts = [plan.file.kind.upper()]
    if plan.file.encoding:
        facts.append(f"teckenkodning {plan.file.encoding}")
    if plan.file.delimiter:
        facts.append(f"avgränsare {plan.file.delimiter_label}")
    lines.append(", ".join(f for f in facts if f))
    lines.append(
        f"Skolenhet: {plan.school_unit.display_name} ({plan.school_unit.school_unit_code})"
    )
    for title, issues in (("Fel", plan.errors), ("Varningar", plan.warnings)):
        if issues:
            lines.append("")
            lines.append(f"{title} ({len(issues)}):")
            for issue in issues:
                where = f"Rad {issue.row}" if issue.row else "Filen"
                column = f", kolumn {issue.column}" if issue.column else ""
                lines.append(f"  {where}{column}: {issue.message}")
    lines.append("")
    if not plan.ok:
        lines.append(f"{len(plan.errors)} fel. Inget importerades; rätta filen och försök igen.")
        return "\n".join(lines)
    if committed:
        lines.append("Importerat:")
    elif dry_run:
        lines.append("Inga fel. Provkörning: inget sparades. Importen skulle ge:")
    else:
        lines.append("Inga fel. Importen ger:")
    for label, count in summary_rows(plan.summary()):
        lines.append(f"  {label}: {count}")
    for new_class in plan.new_classes.values():
        lines.append(f"  Klass som skapas: {new_class.display_name} ({new_class.school_type})")
    if plan.guardian_choices:
        lines.append("")
        lines.append(
            "Vårdnadshavare i filen som befintliga elever inte har i registret; de lades inte till:"
            if committed
            else "Vårdnadshavare i filen som befintliga elever inte har i registret. De läggs "
            "bara till för de rader du väljer (--guardians-for-rows 2,5):"
        )
        for choice in plan.guardian_choices:
            lines.append(f"  Rad {choice.row}: {choice.pupil} – {', '.join(choice.guardians)}")
    return "\n".join(lines)
