"""Errors a user can act on, and the exit codes the CLI maps them to."""

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class UserError(Exception):
    """Bad input: a one-line message naming the file, the sample and the fix. Exit code 2."""

    exit_code = EXIT_BAD_INPUT


class CheckFailed(Exception):
    """A check ran and found a difference (e.g. a regression). Exit code 1."""

    exit_code = EXIT_CHECK_FAILED


def preview(items, k: int = 3) -> str:
    """A short human preview of a collection: 'a, b, c (+12 more)'."""
    items = sorted(map(str, items))
    head = ", ".join(items[:k])
    return head + (f" (+{len(items) - k} more)" if len(items) > k else "")
