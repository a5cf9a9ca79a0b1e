"""What the site's pages add to the rest of Promise Desk through Wagtail hooks."""

from wagtail import hooks

from cms.board import projects


@hooks.register("board_report_sections")
def board_report_projects(period, start, end):
    return projects(period, start, end)
