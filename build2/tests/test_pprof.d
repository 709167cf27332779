build2/tests/test_pprof.o: tests/unit/test_pprof.c \
 user/cpython/evidence.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h include/sampler.h user/lib/htab.h \
 user/lib/proto.h user/output/folded.h user/profile/profile.h \
 user/profile/counters.h user/output/format.h user/output/pprof.h \
 user/profile/json.h user/profile/load.h user/profile/pprofev.h \
 user/profile/pprofschema.h user/profile/pprofread.h
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/lib/proto.h:
user/output/folded.h:
user/profile/profile.h:
user/profile/counters.h:
user/output/format.h:
user/output/pprof.h:
user/profile/json.h:
user/profile/load.h:
user/profile/pprofev.h:
user/profile/pprofschema.h:
user/profile/pprofread.h:
