build2/tests/test_lib.o: tests/unit/test_lib.c user/lib/file.h \
 user/lib/htab.h user/lib/srccache.h user/output/format.h \
 user/profile/counters.h include/sampler.h user/lib/str.h
user/lib/file.h:
user/lib/htab.h:
user/lib/srccache.h:
user/output/format.h:
user/profile/counters.h:
include/sampler.h:
user/lib/str.h:
