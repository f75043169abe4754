"""The one exception type for a user's bad input.

Its message is a single line that names what is wrong (file, row, column, key) and,
where it helps, what to do next. The CLI prints it and exits with code 2.
"""


class InputError(ValueError):
    """A user's file, column, key or parameter cannot be used."""

    def __init__(self, message: str):
        # One line, always: the CLI prints it as-is.
        super().__init__(" ".join(str(message).split()))
