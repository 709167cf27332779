build2/san/output/pprof.o: user/output/pprof.c user/output/pprof.h \
 user/cpython/evidence.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h include/sampler.h user/lib/htab.h \
 user/lib/alloc.h user/lib/gzip.h user/lib/proto.h \
 user/profile/pprofschema.h user/profile/profile.h \
 user/profile/counters.h
user/output/pprof.h:
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/lib/alloc.h:
user/lib/gzip.h:
user/lib/proto.h:
user/profile/pprofschema.h:
user/profile/profile.h:
user/profile/counters.h:
