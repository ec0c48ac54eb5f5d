#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Forms the import reader must get right. The comment "import nothere"
# is not an import; neither are the strings below.
"""import notadoc
from notadoc import x
"""
import os, sys as system
import xml.dom.minidom as md
from . import sibling
from .. import uncle
from ...far.away import thing
from .pkg.mod import (
    name_a,
    name_b as b,  # trailing comma
)
from json import *
from __future__ import annotations

s1 = 'import notsingle'
s2 = "from notdouble import y"
s3 = '''import nottriple
'''
s4 = r'\' import notraw'
s5 = rb"\" import notbytes"
s6 = f"{os.sep!r:>{10}} import notf {'import notnested'}"
s7 = F'''{
    system.argv[0]  # a comment inside a field
}import notftriple'''
s8 = f"\N{BULLET} {{import notbraces}}"
s9 = Rb'raw' BR"raw" rB'''raw'''
s10 = u"unicode"
café = 1  # a non-ASCII name
x = [1, 2,
     3]; import after_bracket
y = 1 + \
    2; import after_continuation

def f():
    import in_function
    try:
        import in_try
    except ImportError:
        import in_except
    if True: import in_if; import after_semicolon

class C: import in_class

def g():
    yield from range(3)
    raise ValueError() from None

lazy = lambda: __import__("dunder_lit")
mod = importlib.import_module("lit.mod")
rel = importlib.import_module(".rel", "pkg.base")
pkgrel = import_module("..up", package=__package__)
joined = __import__("join" "ed")
notlit = importlib.import_module(name)
notlit2 = importlib.import_module("a" + name)
print >>sys.stderr, "py2 print"
n = 0x1F + 1.5e-3 + 1_000j + .5
