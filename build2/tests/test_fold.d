build2/tests/test_fold.o: tests/unit/test_fold.c user/cpython/evidence.h \
 user/cpython/pylayout.h user/cpython/elfinfo.h user/cpython/linetable.h \
 include/sampler.h user/lib/htab.h user/profile/aggregate.h \
 user/profile/profile.h user/profile/counters.h user/profile/json.h
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/profile/aggregate.h:
user/profile/profile.h:
user/profile/counters.h:
user/profile/json.h:
