"""Index operations for migrations that keep the site writable while they run.

On PostgreSQL they build and drop indexes CONCURRENTLY, so replies, transitions and clock updates are
not blocked while an index over a large table is built; elsewhere (SQLite) they are the plain
operations. A migration that uses them sets `atomic = False`, as PostgreSQL requires.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations import AddConstraint, AddIndex, RemoveIndex


class _ConcurrentOnPostgres:
    """Runs the concurrent operation (next in line) on PostgreSQL and `plain` elsewhere."""

    plain: type[AddIndex] | type[RemoveIndex]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexOnline(_ConcurrentOnPostgres, AddIndexConcurrently):
    plain = AddIndex


class RemoveIndexOnline(_ConcurrentOnPostgres, RemoveIndexConcurrently):
    plain = RemoveIndex


class AddConstraintOnline(AddConstraint):
    """A unique constraint with a condition, which is a partial unique index: built CONCURRENTLY on
    PostgreSQL (writes go on while it builds), the plain operation elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgres(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        sql = str(self.constraint.create_sql(model, schema_editor))
        if not sql.startswith("CREATE UNIQUE INDEX"):
            raise ValueError(f"{self.constraint.name} is not built as an index, so it cannot be built online")
        schema_editor.execute(sql.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", 1))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgres(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.constraint.name)}")
