"""Index operations for migrations that keep the site writable while they run.

On PostgreSQL they build and drop indexes CONCURRENTLY, so replies, transitions and clock updates are
not blocked while an index over a large table is built; elsewhere (SQLite) they are the plain
operations. A migration that uses them sets `atomic = False`, as PostgreSQL requires.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations import AddIndex, RemoveIndex


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
