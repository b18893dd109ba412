"""Write attendance, one module per topic; import a service from its topic module.

- `register`: lesson registers (`register_save`, `Mark`, `StaleRegister`, `register_opens_at`)
- `absence`: absence reports (`absence_report`, `day_span`)
- `leave`: leave requests (`leave_request_create`, `_consent`, `_decide`)
- `notice_exemptions`: exemptions from the absence notice (`notice_exemption_create`)
- `preschool`: preschool and fritidshem schedules and check-ins (`attendance_schedule_submit`,
  `attendance_schedule_decide`, `attendance_event_register`)
- `investigations`: absence investigations (`investigation_open`, `_add_step`, `_close`)
- `csn`: CSN decisions, returns and the file (`csn_decide`, `csn_return_create`,
  `csn_report_export`)
- `policy_settings`: attendance settings (`attendance_policy_set`)
- `other_systems`: rows other systems write through SS 12000 (`attendance_set_minutes`,
  `attendance_delete`)

`_common` holds the helpers several topics share.
"""
