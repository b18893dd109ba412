"""Write grades: one module per topic (decisions, sheets, co-signing, periods, licences,
reminders)."""

from skolsam.grades.services.co_sign import grade_co_sign
from skolsam.grades.services.decisions import grade_decide, grade_record_earlier
from skolsam.grades.services.licences import teacher_licence_record
from skolsam.grades.services.periods import grading_period_close, grading_period_open
from skolsam.grades.services.publication import grading_period_publish
from skolsam.grades.services.reminders import grade_reminders_send
from skolsam.grades.services.sheets import SheetEntry, StaleGradeSheet, grade_sheet_save
from skolsam.grades.services.study_plans import (
    PlannedCourse,
    study_plan_course_add,
    study_plan_course_remove,
    study_plan_details_set,
    study_plan_set,
)

__all__ = [
    "PlannedCourse",
    "SheetEntry",
    "StaleGradeSheet",
    "grade_co_sign",
    "grade_decide",
    "grade_record_earlier",
    "grade_reminders_send",
    "grade_sheet_save",
    "grading_period_close",
    "grading_period_open",
    "grading_period_publish",
    "study_plan_course_add",
    "study_plan_course_remove",
    "study_plan_details_set",
    "study_plan_set",
    "teacher_licence_record",
]
