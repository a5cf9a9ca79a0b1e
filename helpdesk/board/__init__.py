"""The monthly board report: service delivery, projects, quality and cost for the month before, made
once by the scheduler on the first working day and kept unchanged (helpdesk/board/make.py).

`figures.gather` reads every figure from the sources the other pages read (the reports' daily roll-ups,
the chargeback statements, the review queue, the improvement register, unmet demand), so the board
sees what a manager sees on /reports/ for the same month. Sections kept by apps this one may not import
(the projects of `cms`) are added through the Wagtail hook `board_report_sections`.
"""
