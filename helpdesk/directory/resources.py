"""HR's export through django-import-export: the Resource the `import_people` command and the admin's
import screen share. Every row goes through `people.apply_row`; the package supplies the file reading,
the transaction (rolled back for a dry run, or when any row is bad) and the admin's preview."""

from __future__ import annotations

from pathlib import Path

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html
from import_export import fields, resources, widgets
from import_export.results import Result, RowResult

from helpdesk.directory import people
from helpdesk.models import CostCentre, Division, Grade, Location, User

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


def header(name) -> str:
    """A column's name as the resource knows it: "Employee ID" and "employee_id" are the same column."""
    return people.text(name).lower().replace(" ", "_").replace("-", "_")


def read_file(path: str | Path) -> tablib.Dataset:
    """A CSV (UTF-8, with or without Excel's byte order mark) or XLSX file as a dataset, its first row
    the headers. Raises ValueError for any other kind of file."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path.name}: give a .csv or .xlsx file.")
    if kind == "csv":
        return tablib.Dataset().load(path.read_text(encoding="utf-8-sig"), format="csv")
    return tablib.Dataset().load(path.read_bytes(), format="xlsx")


class PersonResource(resources.ModelResource):
    """People by HR's columns (people.COLUMNS). Imports go through `people.apply_row`, so the command, the
    admin and the directory sync apply the same rules; exports write the same columns back."""

    grade = fields.Field("grade", "grade", widgets.ForeignKeyWidget(Grade, "name"))
    division = fields.Field("division", "division", widgets.ForeignKeyWidget(Division, "code"))
    cost_centre = fields.Field("cost_centre", "cost_centre", widgets.ForeignKeyWidget(CostCentre, "code"))
    location = fields.Field("location", "location", widgets.ForeignKeyWidget(Location, "name"))
    line_manager = fields.Field("line_manager", "line_manager", widgets.ForeignKeyWidget(User, "employee_id"))

    class Meta:
        model = User
        fields = people.COLUMNS
        export_order = people.COLUMNS
        skip_unchanged = True
        report_skipped = True

    def before_import(self, dataset: tablib.Dataset, **kwargs) -> None:
        dataset.headers = [header(name) for name in dataset.headers or []]
        # Managers named before their own row: their numbers, so apply_row waits for them.
        column = dataset.headers.index("employee_id") if "employee_id" in dataset.headers else None
        self.coming = {people.text(row[column]) for row in dataset} if column is not None else set()
        self.by = kwargs.get("user") if getattr(kwargs.get("user"), "pk", None) else None
        self.changes: list[people.Change] = []

    def import_row(self, row, instance_loader, **kwargs) -> RowResult:
        result = self.get_row_result_class()()
        try:
            change = people.apply_row(row, by=self.by, coming=self.coming)
        except people.RowError as error:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError({error.field or NON_FIELD_ERRORS: [error.message]})
            return result
        self.changes.append(change)
        result.change = change
        result.import_type = {
            "new": RowResult.IMPORT_TYPE_NEW,
            "update": RowResult.IMPORT_TYPE_UPDATE,
            "unchanged": RowResult.IMPORT_TYPE_SKIP,
        }[change.kind]
        result.add_instance_info(change.person)
        result.instance = change.person  # the admin's history of each person records the import
        changed = {name: (old, new) for name, old, new in change.fields}
        shown = {name: people.text(value) for name, value in row.items()}
        # The admin's preview: one cell per column, "old → new" where the row changes it.
        result.diff = [
            format_html("<del>{}</del> → <ins>{}</ins>", *changed[name]) if name in changed else shown.get(name, "")
            for name in self.get_diff_headers()
        ]
        return result

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs) -> None:
        people.link_managers(self.changes)
        super().after_import(dataset, result, **kwargs)
