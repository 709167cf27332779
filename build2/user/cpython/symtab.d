build2/user/cpython/symtab.o: user/cpython/symtab.c user/cpython/symtab.h \
 user/cpython/pylayout.h user/cpython/elfinfo.h user/cpython/linetable.h \
 include/sampler.h user/cpython/pyobj.h user/lib/mem.h user/lib/alloc.h \
 user/lib/htab.h user/lib/srccache.h user/cpython/qualname.h
user/cpython/symtab.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/cpython/pyobj.h:
user/lib/mem.h:
user/lib/alloc.h:
user/lib/htab.h:
user/lib/srccache.h:
user/cpython/qualname.h:
