"""The logic of the unit template: options, derivations, validation, rendering helpers.

Pure Python with no copier import, so tests and the Jinja extension share it.
"""
