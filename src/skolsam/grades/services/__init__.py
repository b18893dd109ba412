"""Write grades: one module per topic (decisions, grading periods, licences)."""

from skolsam.grades.services.decisions import grade_decide, grade_record_earlier
from skolsam.grades.services.licences import teacher_licence_record
from skolsam.grades.services.periods import grading_period_close, grading_period_open
from skolsam.grades.services.publication import grading_period_publish

__all__ = [
    "grade_decide",
    "grade_record_earlier",
    "grading_period_close",
    "grading_period_open",
    "grading_period_publish",
    "teacher_licence_record",
]
