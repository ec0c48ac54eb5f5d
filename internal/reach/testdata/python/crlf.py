import a
if x:
    from b import (c,
        d)
s = """
import no
"""
import eimport f
